// `anneal build`: runs the out-of-date experiments of the selected targets.
#include <unistd.h>

#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/build_progress.h"
#include "cli/build_executor.h"
#include "cli/detach.h"
#include "cli/commands.h"
#include "cli/experiment_line.h"
#include "cli/project.h"
#include "cli/remote_cache.h"
#include "cli/running_build.h"
#include "cli/terminal.h"
#include "cache/remote_store.h"
#include "graph/build_stamp.h"
#include "graph/failed_node.h"
#include "graph/containment.h"
#include "graph/llm_budget.h"
#include "graph/notifier.h"
#include "graph/preflight.h"
#include "graph/running_node.h"
#include "graph/target_build.h"
#include "proc/sandbox.h"
#include "proc/subprocess.h"

namespace anneal::cli {

namespace fs = std::filesystem;

namespace {

std::filesystem::path self_path() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path("anneal") : exe;
}

}  // namespace

Result<int> run_build(const BuildArgs& args) {
  auto workspace = graph::Workspace::open(fs::current_path());
  if (!workspace)
    return std::unexpected(workspace.error());
  // The fast path: nothing that decides what is up to date has changed since last time.
  std::string arguments = fmt::format("targets={} experiments={}", fmt::join(args.targets, ","),
                                      args.experiments ? std::to_string(*args.experiments) : "-");
  fs::path annealfile = annealfile_path(*workspace);
  bool may_skip = !args.dry_run && !args.fresh && args.more == 0;  // --more always has work
  if (may_skip && graph::stamp_matches(*workspace, graph::build_fingerprint(*workspace, annealfile, arguments))) {
    fmt::print("anneal: no work to do.\n");
    return 0;
  }
  auto project = open_project(std::move(*workspace));
  if (!project)
    return std::unexpected(project.error());
  auto targets = select_targets(project->annealfile, args.targets, true);
  if (!targets)
    return std::unexpected(targets.error());
  if (targets->empty()) {
    fmt::print("anneal: the Annealfile has no targets; nothing to do.\n");
    return 0;
  }

  // Mistakes the repository can show (a program that is not there, a tune pattern that does
  // not match, a sample glob that matches nothing) fail now, before any experiment, -n too.
  auto repo = project->workspace.repo();
  if (!repo)
    return std::unexpected(repo.error());
  if (auto checked = graph::preflight(project->annealfile, *targets, **repo, is_terminal(stderr)); !checked)
    return std::unexpected(checked.error());

  // A missing API key fails now, before any target runs an experiment.
  if (!args.dry_run)
    for (const graph::Target* target : *targets)
      if (auto key = graph::check_api_key(*target); !key)
        return std::unexpected(key.error());

  auto remote = resolve_remote_cache(args.remote_cache, args.remote_read_only, project->annealfile.cache);
  if (!args.dry_run)
    if (auto attached = attach_remote_cache(project->workspace, remote, true); !attached)
      return std::unexpected(attached.error());

  StatusLine status(stdout);
  graph::BuildOptions options;
  options.node_env = remote_cache_env(remote);
  // The sandbox is probed once per build and handed to the nodes, which do not probe again.
  // `sandbox: on` where it does not work stops the build now; `auto` warns once.
  if (!args.dry_run) {
    proc::SandboxProbe sandbox = proc::probe_sandbox(false);
    auto warn = [](const std::string& text) {
      fmt::print(stderr, "anneal: {} {}\n", paint("warning:", Color::Yellow, use_color(stderr)), text);
    };
    if (auto checked = graph::check_sandbox(project->annealfile, *targets, sandbox, warn); !checked)
      return std::unexpected(checked.error());
    options.node_env.emplace_back(proc::k_sandbox_env, proc::sandbox_env_value(sandbox));
  }
  options.jobs = args.jobs;
  if (!args.dry_run)
    if (auto prepared = prepare_executor(*project, args, options, [&](const std::string& text) { status.print(text); });
        !prepared)
      return std::unexpected(prepared.error());
  options.keep_going = args.keep_going;
  options.dry_run = args.dry_run;
  options.fresh = args.fresh;
  options.experiments = args.experiments;
  options.more = args.more;
  options.anneal_exe = self_path();
  // -q keeps the dry run's listing (what -n is for) and warnings.
  const bool quiet = args.verbosity == Verbosity::Quiet;
  options.on_note = [&](const std::string& text) {
    if (!quiet || args.dry_run || text.find("warning:") != std::string::npos)
      status.print(text);
  };
  // `notify:` rules hear of new bests, halts and finished builds; deliveries run in the
  // background and what failed is printed here as a warning.
  graph::Notifier notifier(project->annealfile, project->workspace.root());
  auto notify_warnings = [&] {
    for (const std::string& warning : notifier.take_warnings())
      status.print(fmt::format("anneal: {} {}", paint("warning:", Color::Yellow, status.color()), warning));
  };
  auto tell = [&](const graph::Target& target, const std::vector<graph::NotifyEvent>& events) {
    if (args.dry_run)
      return;
    for (const auto& event : events)
      notifier.send(target, event);
    notify_warnings();
  };
  // This build's experiments of the target being built: a target none of whose experiments
  // finished (every one crashed) is a failed target, not a built one.
  int finished = 0, crashed = 0;
  std::string first_failure;  // `anneal show KEY` of the first crashed experiment's failing node
  options.on_experiment = [&](const graph::Target& target, const nlohmann::json& r, int budget) {
    if (args.daemon)
      args.daemon->poke();
    int id = r.value("id", 0);
    std::string outcome = r.value("outcome", "?");
    ExperimentLine line;
    line.color = status.color();
    // A command killed by a signal says so on the experiment's line, whatever the outcome.
    if (outcome != "baseline" && outcome != "kept" && outcome != "discarded")
      line.killed = graph::signal_failure(project->workspace, r);
    // Every failure's line ends with the command that opens the failing node's log.
    if (outcome == "crashed" || outcome == "rejected" || !line.killed.empty())
      line.show = graph::show_failure_command(project->workspace, r);
    if (outcome == "crashed" && first_failure.empty())
      first_failure = line.show;
    if (id > 0)
      ++(outcome == "crashed" ? crashed : finished);
    tell(target, graph::experiment_events(target, r, project->workspace.root()));
    std::string text = experiment_line(target, r, budget, line);
    // -q: only what went wrong. On a terminal only the milestones and failures stay;
    // elsewhere every experiment gets its line.
    if (quiet) {
      if (outcome == "crashed" || !line.killed.empty())
        status.print(text);
      return;
    }
    if (!status.terminal() || outcome == "baseline" || outcome == "kept" || !line.show.empty())
      status.print(text);
    else
      status.update(text);
  };
  // A deployment tier that waits for a person is an approval_needed.
  options.on_deploy = [&](const graph::Target& target, const nlohmann::json& step) {
    tell(target, graph::deploy_events(target, step, project->workspace.root()));
  };
  BuildProgress progress(status, project->workspace, args.verbosity);
  // What `anneal status` shows of this build: the experiment it runs.
  RunningRecord running(project->workspace, args.daemon ? args.daemon->log().log : fs::path());
  if (!args.dry_run)
    options.watch_nodes = [&](const graph::NodeBatch& batch, graph::BatchPhase phase) {
      if (phase == graph::BatchPhase::Starting)
        running.note(batch);
      if (args.daemon)
        args.daemon->poke();
      progress.watch(batch, phase);
    };
  // A background build fails now, not in its log, if another build has one of its targets.
  if (args.daemon)
    if (auto claimed = args.daemon->claim(project->workspace, *targets); !claimed)
      return std::unexpected(claimed.error());
  if (args.verbosity == Verbosity::Verbose)
    options.node_env.emplace_back(graph::k_live_output_env, "1");

  int failures = 0;
  int ran = 0;
  bool all_done = true;  // every target ended up to date
  std::set<std::string> failed;
  for (const graph::Target* target : *targets) {
    bool blocked = false;
    for (const auto& need : target->needs)
      blocked = blocked || failed.count(need);
    if (blocked) {
      status.print(fmt::format("{}: not built: a target it needs failed", target->name));
      failed.insert(target->name);
      continue;
    }
    finished = crashed = 0;
    first_failure.clear();
    auto built = graph::build_target(project->workspace, project->annealfile, *target, options);
    if (built && crashed > 0 && finished == 0) {
      std::string log = first_failure.empty() ? "" : "; the first failure's log: " + first_failure;
      built = fail(fmt::format("{}: no experiment finished: {} run, {} crashed{}", target->name, crashed,
                               crashed == 1 ? "it" : "all", log));
    }
    // A remote that failed in a node process (whose output is not shown) is reported now.
    if (const auto& remote = project->workspace.store().remote())
      remote->usable();
    if (proc::interrupted()) {
      // Ctrl-C: what finished is recorded; the next build resumes from there.
      status.clear();
      fmt::print(stderr, "anneal: interrupted; `anneal build` resumes where this stopped\n");
      return 130;
    }
    tell(*target, graph::build_events(*target, built ? *built : graph::TargetBuildResult{},
                                      built ? "" : built.error().message, project->workspace.root()));
    if (!built) {
      status.clear();
      fmt::print(stderr, "anneal: {} {}\n", paint("error:", Color::Red, use_color(stderr)), built.error().message);
      failed.insert(target->name);
      ++failures;
      if (args.keep_going > 0 && failures >= args.keep_going)
        break;
      continue;
    }
    ran += built->experiments_run + (built->status == graph::BuildStatus::Built ? 1 : 0);
    all_done = all_done && built->unfinished == 0 &&
               (built->status == graph::BuildStatus::UpToDate || built->status == graph::BuildStatus::Built);
    if (!built->summary.empty() && (built->experiments_run > 0 || args.targets.size() > 0 || built->status != graph::BuildStatus::UpToDate))
      status.print(built->summary);
    // `anneal stop` stops the build, not only its current target.
    if (built->status == graph::BuildStatus::Stopped) {
      if (target != targets->back())
        status.print("anneal: stopped before the targets after it; `anneal build` goes on from here");
      break;
    }
  }
  notifier.finish();
  notify_warnings();
  status.clear();
  if (!failed.empty())
    return 1;
  if (may_skip && all_done)
    graph::save_stamp(project->workspace, graph::build_fingerprint(project->workspace, annealfile, arguments));
  if (!args.dry_run && ran == 0)
    fmt::print("anneal: no work to do.\n");
  return 0;
}

}  // namespace anneal::cli
