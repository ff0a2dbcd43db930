#include "nodes/mutate.h"

#include <chrono>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "edit/apply_edits.h"
#include "edit/edit_reply.h"
#include "git/changes.h"
#include "git/scope.h"
#include "git/worktree.h"
#include "git/worktree_head.h"
#include "nodes/agent_guard.h"
#include "nodes/agent_output.h"
#include "nodes/candidate.h"
#include "nodes/carry_over.h"
#include "nodes/command_containment.h"
#include "nodes/hidden_paths.h"
#include "nodes/live_output.h"
#include "nodes/tune.h"
#include "nodes/tune_tried.h"
#include "proc/subprocess.h"
#include "util/file.h"
#include "util/secrets.h"

namespace anneal::nodes {

namespace fs = std::filesystem;

namespace {

struct AgentRun {
  NodeResult result;  ///< crashed when the agent failed, else ok (so far)
  std::string hypothesis;
};

Result<AgentRun> run_command_agent(NodeContext& context, const nlohmann::json& spec,
                                   const fs::path& worktree, const fs::path& scratch) {
  const auto& agent = spec.at("agent");
  if (auto dirs = make_dirs(scratch); !dirs)
    return std::unexpected(dirs.error());
  fs::path prompt_file = scratch / "prompt.md";
  fs::path hypothesis_file = scratch / "hypothesis.txt";
  if (auto written = write_file_atomic(prompt_file, spec.value("prompt", ""), Durability::Unsynced); !written)
    return std::unexpected(written.error());
  proc::RunOptions options;
  options.command = agent.at("run").get<std::string>();
  options.cwd = worktree;
  options.timeout_s = agent.value("timeout", 0.0);
  options.should_abort = context.should_abort;
  options.env = {{"ANNEAL_PROMPT_FILE", prompt_file.string()},
                 {"ANNEAL_HYPOTHESIS_FILE", hypothesis_file.string()},
                 {"ANNEAL_TARGET", spec.at("target").get<std::string>()},
                 {"ANNEAL_EXPERIMENT", std::to_string(spec.at("experiment").get<int>())},
                 {"ANNEAL_DRAFT", std::to_string(spec.at("draft").get<int>())},
                 {"ANNEAL_SEED", std::to_string(spec.at("seed").get<uint64_t>())},
                 {"ANNEAL_PARENT", spec.at("parent").get<std::string>()},
                 {"ANNEAL_SECOND_PARENT", spec.value("second_parent", "")}};
  CommandPlace place;
  place.worktree = worktree;
  place.writable = {scratch};
  place.hide_git = spec.at("scope").contains("hidden");
  if (auto contained = contain_command(context, agent, CommandRole::Agent, place, options); !contained)
    return std::unexpected(contained.error());
  stream_output(context, options);
  auto run = proc::run(options);
  if (!run)
    return std::unexpected(run.error());
  if (run->aborted)
    return fail("interrupted");
  AgentRun out;
  if (auto a = attach_blob(context, out.result, "stdout", run->out); !a)
    return std::unexpected(a.error());
  if (auto a = attach_blob(context, out.result, "stderr", run->err); !a)
    return std::unexpected(a.error());
  if (run->signal == 0 && !run->timed_out)
    out.result.exit_code = run->exit_code;
  // A coding-agent CLI that reports what it cost (e.g. `claude -p --output-format json`).
  if (auto cost = agent_reported_cost(run->out, agent.value("cost_field", ""))) {
    out.result.cost_usd = *cost;
    // Money spent, like an llm node's, counts against the target's daily budget.
    if (*cost > 0) {
      std::string target = spec.at("target").get<std::string>();
      if (auto charged = charge_spend(context, target, *cost,
                                      "agent " + target + "#" + std::to_string(spec.at("experiment").get<int>()));
          !charged)
        return std::unexpected(charged.error());
    }
  }
  if (!run->ok()) {
    // An agent's exit status is no verdict on a candidate (it makes one): unfinished.
    out.result.outcome = Outcome::Crashed;
    out.result.unfinished = true;
    out.result.detail = fmt::format("agent: {}", run->describe());
    std::string reason = agent_reported_error(run->out);
    if (reason.empty())
      reason = tail_lines(run->err, 5);
    if (!reason.empty())
      out.result.detail += "\n" + reason;
    return out;
  }
  // The hypothesis: what the agent wrote to ANNEAL_HYPOTHESIS_FILE, or a "Hypothesis:" line.
  if (auto text = read_file_if_exists(hypothesis_file))
    out.hypothesis = redact(*text);  // written, not printed, but kept all the same
  else
    out.hypothesis = agent_reported_hypothesis(run->out);
  while (!out.hypothesis.empty() && std::isspace(static_cast<unsigned char>(out.hypothesis.back())))
    out.hypothesis.pop_back();
  size_t first = out.hypothesis.find_first_not_of(" \t\n");
  out.hypothesis = first == std::string::npos ? "" : out.hypothesis.substr(first);
  return out;
}

Result<AgentRun> run_tune_agent(NodeContext& context, const nlohmann::json& spec, const fs::path& worktree) {
  std::vector<TuneParam> params;
  for (const auto& p : spec.at("agent").at("params"))
    params.push_back({p.at("file").get<std::string>(), p.at("pattern").get<std::string>(),
                      p.at("min").get<double>(), p.at("max").get<double>(),
                      p.value("integer", false)});
  AgentRun out;
  // Crossover: the second parent's copies of the tuned files.
  std::optional<TunePartner> partner;
  if (std::string second = spec.value("second_parent", ""); !second.empty()) {
    auto repo = context.repo();
    if (!repo)
      return std::unexpected(repo.error());
    partner = TunePartner{second.substr(0, 10), {}};
    for (const auto& p : params) {
      std::string key = fs::path(p.file).lexically_normal().string();
      auto text = (*repo)->read_file_at(second, key);
      if (!text)
        return std::unexpected(text.error());
      if (*text)
        partner->files.emplace(key, std::move(**text));
    }
  }
  TriedPoints tried = TriedPoints::from_json(params, spec.value("tried", nlohmann::json()));
  auto tuned = tune(params, worktree, spec.value("step_scale", 1.0), spec.at("seed").get<uint64_t>(),
                    partner ? &*partner : nullptr, &tried);
  if (!tuned) {
    out.result.outcome = Outcome::Crashed;
    out.result.detail = "tune: " + tuned.error().message;
    return out;
  }
  out.hypothesis = tuned->hypothesis;
  return out;
}

/// An api agent: the reply of the llm node named in "reply", applied as edit blocks.
Result<AgentRun> run_api_agent(NodeContext& context, const nlohmann::json& spec, const fs::path& worktree) {
  AgentRun out;
  std::string reply_key = spec.at("reply").get<std::string>();
  auto key = cache::Digest::from_hex(reply_key);
  auto call = key ? latest_result(*context.store, *key) : std::nullopt;
  if (!call)
    return fail(fmt::format("the reply {} has no result in the cache", reply_key));
  out.result.cost_usd = call->cost_usd;
  if (!call->ok()) {
    out.result.outcome = Outcome::Crashed;
    out.result.unfinished = call->unfinished;
    out.result.detail = "agent: " + call->detail;
    return out;
  }
  std::string text;
  if (auto it = call->blobs.find("reply"); it != call->blobs.end()) {
    auto digest = cache::Digest::from_hex(it->second);
    auto blob = digest ? context.store->get_blob(*digest) : std::nullopt;
    if (!blob)
      return fail(fmt::format("the reply {} lost its text from the cache", reply_key));
    text = std::move(*blob);
    out.result.blobs["stdout"] = it->second;  // `anneal show` of the mutation prints the reply
  }
  std::string cut = call->detail.empty() ? "" : fmt::format(" (the reply {})", call->detail);
  auto parsed = edit::parse_edit_reply(text);
  if (!parsed) {
    out.result.outcome = Outcome::Crashed;
    out.result.detail = fmt::format("reply: {}{}", parsed.error().message, cut);
    return out;
  }
  out.hypothesis = parsed->hypothesis;
  edit::ApplyLimits limits;
  limits.whole_file_max_bytes = spec.at("agent").value("whole_file_max_bytes", limits.whole_file_max_bytes);
  auto applied = edit::apply_edits(worktree, parsed->edits, limits);
  if (!applied)
    return std::unexpected(applied.error());
  if (!applied->ok()) {
    out.result.outcome = Outcome::Crashed;
    out.result.detail = fmt::format("edit blocks did not apply{}:\n{}", cut, applied->describe_failures());
  }
  return out;
}

/// The changed files that hold the value of a secret variable (an agent that was passed a
/// key and wrote it down): committing them would put the key in the repository.
std::vector<git::Violation> files_with_secrets(const fs::path& worktree, const std::vector<git::Change>& changes) {
  std::vector<git::Violation> out;
  for (const auto& change : changes) {
    if (change.kind == git::ChangeKind::Deleted || change.symlink)
      continue;
    auto text = read_file_if_exists(worktree / change.path);
    if (!text)
      continue;
    if (auto names = secrets_in(*text); !names.empty())
      out.push_back({change.path, fmt::format("holds the value of {}", fmt::join(names, ", "))});
  }
  return out;
}

Result<AgentRun> run_carry_agent(NodeContext& context, const nlohmann::json& spec, const fs::path& worktree) {
  auto repo = context.repo();
  if (!repo)
    return std::unexpected(repo.error());
  const auto& agent = spec.at("agent");
  auto carried = carry_change(**repo, worktree, spec.at("parent").get<std::string>(),
                              agent.at("from").get<std::string>(), agent.at("to").get<std::string>());
  if (!carried)
    return std::unexpected(carried.error());
  AgentRun out;
  out.hypothesis = carried->hypothesis;
  if (!carried->applied) {
    out.result.outcome = Outcome::Blocked;  // a result, not a failure to retry
    out.result.detail = carried->detail;
  }
  return out;
}

git::ScopeRules scope_rules(const nlohmann::json& scope) {
  git::ScopeRules rules;
  rules.editable = scope.value("editable", std::vector<std::string>{});
  rules.immutable = scope.value("immutable", std::vector<std::string>{});
  return rules;
}

}  // namespace

Result<NodeResult> execute_mutate(NodeContext& context, const NodeSpec& spec) {
  const auto& j = spec.json;
  auto started = std::chrono::steady_clock::now();
  std::string target = j.at("target").get<std::string>();
  std::string parent = j.at("parent").get<std::string>();
  // The draft's worktree, clean at the parent: whatever an earlier candidate or an
  // interrupted run left there is gone.
  std::string slot = fmt::format("d{}", j.at("draft").get<int>());
  auto made = checkout_worktree(context, target, slot, parent);
  if (!made)
    return std::unexpected(made.error());
  fs::path worktree = *made;
  fs::path scratch = context.anneal_dir / "tmp" / target / spec.key.hex();

  // Files the agent must not read are out of the worktree while it runs.
  auto hidden = HiddenPaths::hide(worktree, j.at("scope").value("hidden", std::vector<std::string>{}));
  if (!hidden)
    return std::unexpected(hidden.error());
  auto repo = context.repo();
  if (!repo)
    return std::unexpected(repo.error());
  // What git obeys or runs outside the worktree, as it was before the agent (nodes/agent_guard.h).
  auto guard = AgentGuard::begin(context, j.at("agent"), worktree);
  if (!guard)
    return std::unexpected(guard.error());

  std::string kind = j.at("agent").at("kind").get<std::string>();
  Result<AgentRun> agent = kind == "tune"  ? run_tune_agent(context, j, worktree)
                           : kind == "api" ? run_api_agent(context, j, worktree)
                           : kind == "carry" ? run_carry_agent(context, j, worktree)
                                           : run_command_agent(context, j, worktree, scratch);
  std::error_code ec;
  fs::remove_all(scratch, ec);
  // What the agent left in the user's checkout is kept here, not lost.
  auto breaches = guard->end(context.anneal_dir / "guard" / spec.key.hex());
  if (!breaches)
    return std::unexpected(breaches.error());
  if (!agent)
    return std::unexpected(agent.error());
  auto hidden_written = hidden->restore();
  if (!hidden_written)
    return std::unexpected(hidden_written.error());
  NodeResult result = std::move(agent->result);
  result.parent = parent;
  result.hypothesis = agent->hypothesis;
  auto finish = [&]() {
    result.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  // A failed or blocked attempt must not linger for the next user of the slot, and a reset
  // cannot undo everything an agent may do (a nested repository survives it): start over.
  auto discard_worktree = [&]() { (void)git::remove_worktree(**repo, worktree, worktree.parent_path()); };
  // A change outside the worktree blocks the candidate whatever the agent's exit status: the
  // guard has put it back, the ledger names it, and the agent is told next time.
  if (!breaches->empty()) {
    result.outcome = Outcome::Blocked;
    for (auto& b : *breaches)
      result.violations.push_back({std::move(b.path), std::move(b.reason)});
    result.detail = fmt::format("{} path(s) that git obeys changed by the agent (put back)", result.violations.size());
    discard_worktree();
    finish();
    return result;
  }
  if (!result.ok()) {
    discard_worktree();
    finish();
    return result;
  }

  // An agent that committed (or checked out) in its worktree moved HEAD: the candidate is
  // what the files say, compared with the parent, never with where the agent left HEAD.
  if (auto head = git::worktree_head(worktree); head && *head != parent) {
    if (auto moved = git::move_worktree_head(worktree, parent); !moved)
      return std::unexpected(moved.error());
  }
  auto changes = git::worktree_changes(worktree);
  if (!changes)
    return std::unexpected(changes.error());
  auto violations = git::check_scope(scope_rules(j.at("scope")), *changes, worktree);
  violations.insert(violations.begin(), hidden_written->begin(), hidden_written->end());
  auto leaks = violations.empty() ? files_with_secrets(worktree, *changes) : std::vector<git::Violation>{};
  if (!violations.empty() || !leaks.empty() || changes->empty()) {
    result.outcome = violations.empty() && leaks.empty() ? Outcome::Unchanged : Outcome::Blocked;
    for (const auto& v : violations)
      result.violations.push_back({v.path, v.reason});
    for (const auto& v : leaks)
      result.violations.push_back({v.path, v.reason});
    result.detail = !violations.empty() ? fmt::format("{} path(s) outside the scope", violations.size())
                    : !leaks.empty()    ? fmt::format("{} file(s) hold a secret's value", leaks.size())
                                        : "no change";
    discard_worktree();
    finish();
    return result;
  }

  auto tree = git::snapshot_tree(worktree, *changes);
  if (!tree)
    return std::unexpected(tree.error());
  auto time = (*repo)->commit_time(parent);
  if (!time)
    return std::unexpected(time.error());
  std::string message = candidate_message(target, j.at("experiment").get<int>(),
                                          j.at("draft").get<int>(), result.hypothesis);
  auto commit = (*repo)->commit_tree(*tree, parent, message, *time);
  if (!commit)
    return std::unexpected(commit.error());
  auto patch = (*repo)->diff_patch(parent, *commit);
  if (!patch)
    return std::unexpected(patch.error());
  if (auto a = attach_blob(context, result, "patch", *patch); !a)
    return std::unexpected(a.error());
  if (auto a = attach_blob(context, result, "message", message); !a)
    return std::unexpected(a.error());
  if (auto moved = git::move_worktree_head(worktree, *commit); !moved)
    return std::unexpected(moved.error());
  result.commit = *commit;
  result.tree = *tree;
  finish();
  return result;
}

}  // namespace anneal::nodes
