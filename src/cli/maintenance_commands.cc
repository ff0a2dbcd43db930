// `anneal init`, `apply`, `stop` and `clean`.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/project.h"
#include "cli/terminal.h"
#include "git/apply.h"
#include "git/worktree.h"
#include "graph/deployment.h"
#include "graph/experiment_plan.h"
#include "graph/ledger.h"
#include "proc/host_name.h"
#include "proc/lock_file.h"
#include "util/file.h"

namespace anneal::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_template = R"ANNEAL(# yaml-language-server: $schema=annealfile.schema.yaml
# anneal's build file: what may change, how a change is made and measured, and how winners
# are chosen. Run `anneal build` to run the experiments; `anneal status` to see where they are.
annealfile: 1

agents:
  tuner: {kind: tune}   # the built-in numeric tuner: no network, no key

targets:
  # An example: remove the "#" in front of each line below, then give it a config.ini that
  # holds "threads = 8" and a bench.sh that prints the time to minimize.
  # speed:
  #   artifact: [config.ini]
  #   agent:
  #     kind: tune
  #     params:
  #       - {file: config.ini, pattern: "threads = ([0-9]+)", min: 1, max: 64, integer: true}
  #   stages:
  #     - {name: bench, run: "./bench.sh", timeout: 2m}
  #   objective: {metric: bench, direction: minimize}
  #   budget: {experiments: 20}
)ANNEAL";

/// The message of the commit `anneal apply` makes: a one-line summary, then the score, the
/// baseline, the experiment's key and the evidence that kept it.
std::string apply_message(const graph::Target& target, const graph::SearchPosition& position,
                          const nlohmann::json& best) {
  std::string hypothesis = best.value("hypothesis", "");
  hypothesis = hypothesis.substr(0, hypothesis.find('\n'));
  if (hypothesis.size() > 64)
    hypothesis = hypothesis.substr(0, 61) + "...";
  auto score = [](const std::optional<double>& s) { return s ? fmt::format("{:g}", *s) : std::string("-"); };
  std::string summary = hypothesis.empty() ? fmt::format("{} {} → {}", target.objective.metric,
                                                         score(position.baseline_score), score(position.best_score))
                                           : hypothesis;
  std::string message = fmt::format("{}: {}\n\n", target.name, summary);
  message += fmt::format("{} {} {} (baseline {}), by anneal experiment #{} of target {}\n",
                         target.objective.direction == graph::Direction::Minimize ? "minimize" : "maximize",
                         target.objective.metric, score(position.best_score), score(position.baseline_score),
                         best.value("id", 0), target.name);
  std::string evidence = best.value("decision", nlohmann::json::object()).value("reason", "");
  if (!evidence.empty())
    message += fmt::format("evidence: {}\n", evidence);
  message += fmt::format("baseline: {}\ncandidate: {}\nexperiment key: {} (anneal show {})\n", position.baseline,
                         position.best, best.value("key", ""), best.value("key", "").substr(0, 16));
  return message;
}

}  // namespace

Result<int> run_init() {
  auto workspace = graph::Workspace::open(fs::current_path());
  if (!workspace)
    return fail(workspace.error().message + "\nrun `git init` first: anneal keeps every candidate as a git commit");
  fs::path path = workspace->root() / "Annealfile";
  std::error_code ec;
  if (fs::exists(path, ec)) {
    fmt::print("anneal: {} already exists; .anneal/ is ready\n", path.string());
    return 0;
  }
  if (auto written = write_file_atomic(path, k_template); !written)
    return std::unexpected(written.error());
  fmt::print("anneal: wrote {} and .anneal/ (ignored by git); add a target, then run `anneal build`\n",
             path.string());
  return 0;
}

Result<int> run_apply(const std::string& name, bool keep_history, bool force) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  auto target = find_target(project->annealfile, name);
  if (!target)
    return std::unexpected(target.error());
  auto records = current_run(*project, name);
  if (!records)
    return std::unexpected(records.error());
  if (records->empty())
    return fail(fmt::format("target '{}' has no experiments yet; run `anneal build {}`", name, name));
  auto position = graph::SearchPosition::from_json(records->back().value("state", nlohmann::json::object()));
  if (position.best == position.baseline) {
    fmt::print("{}: no candidate beat the baseline; nothing to apply\n", name);
    return 0;
  }
  // A target whose last deployment tier waits for a person applies only what they approved.
  auto refusal = graph::apply_refusal(project->workspace, **target, position.best);
  if (!refusal)
    return std::unexpected(refusal.error());
  if (!refusal->empty() && !force)
    return fail(fmt::format("apply: {}\n(`anneal apply {} --force` applies it all the same)", *refusal, name));
  if (!refusal->empty())
    fmt::print(stderr, "anneal: {} {}; applying it all the same (--force)\n",
               paint("warning:", Color::Yellow, use_color(stderr)), *refusal);
  nlohmann::json best;
  for (const auto& r : *records)
    if (r.value("commit", nlohmann::json()) == position.best)
      best = r;
  auto repo = project->workspace.repo();
  if (!repo)
    return std::unexpected(repo.error());
  std::string message = apply_message(**target, position, best);
  auto applied = git::bring_into_head(**repo, position.baseline, position.best, message,
                                      keep_history ? git::ApplyMode::KeepHistory : git::ApplyMode::OneCommit);
  if (!applied)
    return std::unexpected(applied.error());
  fmt::print("{}: applied the best candidate ({}) {}; HEAD is {}\n", name, position.best.substr(0, 12),
             applied->fast_forward ? "with its history (a fast-forward)" : "as one commit",
             applied->commit.substr(0, 12));
  return 0;
}

namespace {

/// Stops the build holding `name`'s lock (`holder`): after its experiment, or `now`.
Result<void> stop_build(Project& project, const std::string& name, const proc::LockHolder& holder, bool now) {
  if (now) {
    if (holder.host != proc::host_name())
      return fail(fmt::format("{}: the build ({}) runs on another machine; stop it there", name, holder.describe()));
    if (holder.pid <= 0 || ::kill(holder.pid, SIGINT) != 0)
      return fail(fmt::format("{}: cannot interrupt the build ({}): {}", name, holder.describe(), std::strerror(errno)));
    fmt::print("{}: interrupted the build ({}); the next build runs its unfinished experiment again\n", name,
               holder.describe());
    return {};
  }
  if (auto written = write_file_atomic(project.workspace.stop_path(name), "stop\n"); !written)
    return std::unexpected(written.error());
  fmt::print("{}: asked the build ({}) to stop after its current experiment\n", name, holder.describe());
  return {};
}

}  // namespace

Result<int> run_stop(const std::string& name, bool now) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  if (!name.empty()) {
    if (auto target = find_target(project->annealfile, name); !target)
      return std::unexpected(target.error());
    auto holder = proc::LockFile::holder(project->workspace.lock_path(name));
    if (!holder) {
      fmt::print("{}: no build is running\n", name);
      return 0;
    }
    if (auto stopped = stop_build(*project, name, *holder, now); !stopped)
      return std::unexpected(stopped.error());
    return 0;
  }
  // No target named: every build that runs now (a build is running while it holds the
  // lock of the target it builds).
  int running = 0;
  for (const auto& target : project->annealfile.targets)
    if (auto holder = proc::LockFile::holder(project->workspace.lock_path(target.name))) {
      ++running;
      if (auto stopped = stop_build(*project, target.name, *holder, now); !stopped)
        return std::unexpected(stopped.error());
    }
  if (running == 0)
    fmt::print("anneal: no build is running\n");
  return 0;
}

Result<int> run_clean(const CleanArgs& args) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  auto& ws = project->workspace;
  for (const auto& name : args.targets)
    if (auto target = find_target(project->annealfile, name); !target)
      return std::unexpected(target.error());
  // Only what no running build is using: take each target's lock first.
  std::vector<proc::LockFile> locks;
  for (const auto& target : project->annealfile.targets) {
    auto lock = proc::LockFile::try_acquire(ws.lock_path(target.name));
    if (!lock)
      return fail(fmt::format("target '{}' is being built ({}); stop it first", target.name, lock.error().message));
    locks.push_back(std::move(*lock));
  }
  auto repo = ws.repo();
  if (!repo)
    return std::unexpected(repo.error());
  int worktrees = 0;
  for (const auto& target : project->annealfile.targets) {
    auto pruned = git::prune_worktrees(**repo, ws.worktrees_dir(target.name));
    if (!pruned)
      return std::unexpected(pruned.error());
    worktrees += *pruned;
  }
  std::error_code ec;
  fs::remove_all(ws.anneal_dir() / "ninja", ec);
  for (const char* name : {"build.ninja", ".ninja_log", ".ninja_deps"})  // where they were before format 4
    fs::remove(ws.anneal_dir() / name, ec);
  fs::remove_all(ws.anneal_dir() / "tmp", ec);
  fs::remove_all(ws.anneal_dir() / "worktrees", ec);
  fmt::print("anneal: removed {} worktree(s) and the build files\n", worktrees);
  for (const auto& name : args.targets) {
    fs::remove(ws.ledger_path(name), ec);
    auto deleted = (*repo)->delete_refs(fmt::format("refs/anneal/{}/", name));
    if (!deleted)
      return std::unexpected(deleted.error());
    fmt::print("anneal: {}: forgot its experiments and {} candidate ref(s); the branch anneal/{} stays\n", name,
               *deleted, name);
  }
  if (args.cache) {
    fs::remove_all(ws.anneal_dir() / "cache", ec);
    fs::remove_all(ws.anneal_dir() / "specs", ec);
    fmt::print("anneal: dropped the local cache\n");
  }
  return 0;
}

}  // namespace anneal::cli
