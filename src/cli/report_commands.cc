// `anneal status`, `show` and `explain`: reading the ledger, specs and cache.
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/deploy_status.h"
#include "cli/experiment_nodes.h"
#include "cli/judge_report.h"
#include "cli/listing_json.h"
#include "cli/search_report.h"
#include "cli/project.h"
#include "cli/record_lookup.h"
#include "cli/record_text.h"
#include "cli/terminal.h"
#include "graph/experiment_plan.h"
#include "graph/ledger.h"
#include "graph/retry_plan.h"
#include "graph/llm_budget.h"
#include "graph/node_death.h"
#include "graph/target_state.h"
#include "nodes/node.h"
#include "proc/lock_file.h"
#include "proc/signal_name.h"
#include "util/json_text.h"

namespace anneal::cli {

namespace fs = std::filesystem;

namespace {

void print_blob(Project& project, const nodes::NodeResult& result, const std::string& name) {
  auto it = result.blobs.find(name);
  if (it == result.blobs.end())
    return;
  auto digest = cache::Digest::from_hex(it->second);
  auto bytes = digest ? project.workspace.store().get_blob(*digest) : std::nullopt;
  fmt::print("--- {} ---\n{}", name, bytes ? for_stdout(*bytes) : "(missing from the cache)\n");
  if (bytes && !bytes->empty() && bytes->back() != '\n')
    fmt::print("\n");
}

Result<int> show_node(Project& project, const cache::Digest& key) {
  auto spec = project.workspace.load_spec(key);
  if (!spec)
    return std::unexpected(spec.error());
  auto result = nodes::latest_result(project.workspace.store(), key);
  fmt::print("node {}\n{}\n", key.hex(), nodes::describe_spec(spec->json));
  if (!result) {
    if (auto death = graph::node_death(project.workspace, key)) {
      fmt::print("died: killed by {} at {}; no result stored (the next build runs it again)\n",
                 proc::signal_text(death->signal), death->time);
      fmt::print("--- output ---\n{}", death->output.empty() ? "(nothing)\n" : for_stdout(death->output));
      if (!death->output.empty() && death->output.back() != '\n')
        fmt::print("\n");
      return 0;
    }
    fmt::print("not run yet (no result in the cache)\n");
    return 0;
  }
  fmt::print("outcome: {}{}\n", nodes::outcome_name(result->outcome),
             result->unfinished ? " (did not finish: not cached; the next build runs it again)" : "");
  if (!result->detail.empty())
    fmt::print("detail: {}\n", for_stdout(result->detail));
  if (result->score)
    fmt::print("score: {:g}\n", *result->score);
  if (!result->commit.empty())
    fmt::print("commit: {}\n", result->commit);
  if (!result->hypothesis.empty())
    fmt::print("hypothesis: {}\n", for_stdout(result->hypothesis));
  for (const auto& v : result->violations)
    fmt::print("violation: {} ({})\n", v.path, v.reason);
  fmt::print("duration: {:.3f}s\n", result->duration_s);
  if (result->input_tokens || result->output_tokens)
    fmt::print("tokens: {} in, {} out\n", result->input_tokens, result->output_tokens);
  if (result->cost_usd > 0)
    fmt::print("cost: ${:.6f}\n", result->cost_usd);
  if (spec->json.value("kind", "") == "llm") {
    std::string prompt = spec->json.value("prompt", "");
    fmt::print("--- prompt ---\n{}{}", for_stdout(prompt), prompt.empty() || prompt.back() == '\n' ? "" : "\n");
  }
  print_judgement(*result);
  for (const char* name : {"reply", "output", "stdout", "stderr", "patch", "transcript"})
    print_blob(project, *result, name);
  return 0;
}

}  // namespace

Result<int> run_status(const std::vector<std::string>& names, bool json) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  auto targets = select_targets(project->annealfile, names, false);
  if (!targets)
    return std::unexpected(targets.error());
  auto listed = status_json(*project, names);
  if (!listed)
    return std::unexpected(listed.error());
  const nlohmann::json& out = *listed;
  if (json) {
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  for (const auto& e : out) {
    std::string today;
    if (e["spent_total_usd"].get<double>() > 0 || e.contains("usd_per_day"))
      today = fmt::format(" (today ${:.2f}{})", e["spent_today_usd"].get<double>(),
                          e.contains("usd_per_day") ? fmt::format(" of ${:.2f}", e["usd_per_day"].get<double>()) : "");
    std::string on = e.value("stands_on", "");
    // Past the budget (--experiments, --more): no "18/15".
    int done = e["experiments"].get<int>(), budget = e.value("budget", 0);
    std::string progress = done > budget ? fmt::format("{} experiments (budget {})", done, budget)
                                         : fmt::format("{}/{} experiments", done, budget);
    fmt::print("{}: {}, baseline {}{}, best {}{}, spent ${:.2f}{} — {}\n", e["name"].get<std::string>(),
               progress, number_text(e["baseline_score"]),
               on.empty() ? "" : " on " + on.substr(0, 12),
               number_text(e["best_score"]),
               e["commit"].is_string() ? " at " + e["commit"].get<std::string>().substr(0, 12) : "",
               e["spent_usd"].get<double>(), today, e["state"].get<std::string>());
    if (e.contains("judge"))
      print_judge_status(e["judge"]);
    if (e.contains("search"))
      for (const graph::Target* target : *targets)
        if (target->name == e["name"].get<std::string>())
          print_search_status(*target, e["search"]);
    if (e.contains("deploy"))
      print_deploy_status(e["name"].get<std::string>(), e["deploy"]);
  }
  return 0;
}

Result<int> run_show(const std::string& hash, bool json) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  if (json) {
    auto shown = show_json(*project, hash);
    if (!shown)
      return std::unexpected(shown.error());
    if (!*shown)
      return fail(no_match_message(hash));
    fmt::print("{}\n", dump_json(**shown, 2));
    return 0;
  }
  auto shown = find_shown(*project, hash);
  if (!shown)
    return std::unexpected(shown.error());
  if (shown->experiment) {
    const auto& [target, r] = *shown->experiment;
    fmt::print("experiment {} #{} ({})\n", target, r.value("id", 0), r.value("key", ""));
    fmt::print("outcome: {}\nscore: {}\n", r.value("outcome", ""), number_text(r.value("score", nlohmann::json())));
    const nlohmann::json scores = r.value("scores", nlohmann::json::object());
    for (const auto& [stage, score] : scores.items())
      fmt::print("  {}: {}\n", stage, number_text(score));
    if (r.value("commit", nlohmann::json()).is_string())
      fmt::print("commit: {}\n", r.at("commit").get<std::string>());
    if (!r.value("hypothesis", "").empty())
      fmt::print("hypothesis: {}\n", for_stdout(r.value("hypothesis", "")));
    for (const auto& v : r.value("violations", nlohmann::json::array()))
      fmt::print("violation: {} ({})\n", v.value("path", ""), v.value("reason", ""));
    if (!r.value("detail", "").empty())
      fmt::print("detail: {}\n", for_stdout(r.value("detail", "")));
    fmt::print("decision: {}\n", r.value("decision", nlohmann::json::object()).value("reason", ""));
    if (const auto& c = r.value("draft_count", nlohmann::json()); c.is_object())
      fmt::print("drafts: {} (auto: {} of the last {} drafts survived)\n", c.value("count", 0), c.value("survived", 0),
                 c.value("drafted", 0));
    print_judge_record(r);
    if (auto patch = experiment_patch(*project, r))
      fmt::print("\n{}", *patch);
    if (auto listed = experiment_nodes(*project, r); !listed.empty()) {
      fmt::print("\nnodes (anneal show KEY for one node's log):\n");
      for (const auto& node : listed)
        fmt::print("  {} draft {} {}  {}{}{}\n", node.key.substr(0, 16), node.draft, node.what,
                   node.result ? std::string(nodes::outcome_name(node.result->outcome)) : "not run",
                   node.result && node.result->unfinished ? " (did not finish: runs again)" : "",
                   node.result && node.cached.value_or(false) ? " (cached)" : "");
    }
    return 0;
  }
  if (shown->node)
    return show_node(*project, *shown->node);
  return fail(no_match_message(hash));
}

Result<int> run_explain(const std::string& what, bool json) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  if (const graph::Target* target = project->annealfile.find_target(what)) {
    auto state = graph::inspect_target(project->workspace, project->annealfile, *target, std::nullopt);
    if (!state)
      return std::unexpected(state.error());
    static const char* const kinds[] = {"new", "replay", "resume", "up-to-date"};
    nlohmann::json out = {{"target", target->name},
                          {"state", kinds[static_cast<int>(state->kind)]},
                          {"reason", state->reason},
                          {"config_digest", state->digest.hex()},
                          {"recorded_digest", state->last ? state->last->value("config", "") : ""},
                          {"baseline", state->baseline},
                          {"next_experiment", state->next_id},
                          {"budget", state->budget},
                          {"config", target->config}};
    if (json) {
      fmt::print("{}\n", out.dump(2));
      return 0;
    }
    fmt::print("{}: {} ({})\n", target->name, out["state"].get<std::string>(), state->reason);
    fmt::print("config digest: {}{}\n", state->digest.hex(),
               state->last && state->last->value("config", "") != state->digest.hex()
                   ? fmt::format(" (last build: {})", state->last->value("config", ""))
                   : "");
    fmt::print("baseline: {}\nwhat goes into the digest (budget.experiments excluded):\n{}\n", state->baseline,
               target->config.dump(2));
    return 0;
  }
  std::string node = what;
  if (what.find('#') != std::string::npos) {  // TARGET#N: its decide node
    auto records = find_records(*project, what);
    if (!records)
      return std::unexpected(records.error());
    node = records->front().record.value("key", "");
  }
  auto keys = find_nodes(*project, node);
  if (keys.size() != 1)
    return fail(keys.empty() ? fmt::format("'{}' is neither a target nor a known node key", what)
                             : fmt::format("'{}' is ambiguous: give more digits", what));
  auto spec = project->workspace.load_spec(keys.front());
  if (!spec)
    return std::unexpected(spec.error());
  bool cached = nodes::cached_result(project->workspace.store(), keys.front()).has_value();
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"key", keys.front().hex()}, {"cached", cached}, {"spec", spec->json}}.dump(2));
    return 0;
  }
  fmt::print("node {} ({})\n{}\n", keys.front().hex(), nodes::describe_spec(spec->json),
             cached ? "up to date: its result is in the cache" : "out of date: no result in the cache");
  fmt::print("its key is XXH3-128 of \"{}\" and this canonical spec:\n{}\n", nodes::k_spec_salt, spec->json.dump(2));
  return 0;
}

}  // namespace anneal::cli
