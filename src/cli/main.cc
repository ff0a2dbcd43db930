#include "cli/main.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/approval_commands.h"
#include "cli/command_names.h"
#include "cli/commands.h"
#include "cli/register_command.h"
#include "proc/subprocess.h"

namespace anneal::cli {

namespace {

/// -j: it bounds the user's commands; LLM calls have their own pools (graph/ninja_jobs.h).
constexpr const char* k_jobs_help =
    "run N commands in parallel (default: ninja's); LLM calls come on top, up to max_concurrent";

/// A count flag's check: a whole number of at least `min`, or a usage error saying so
/// ("-j: a count of at least 1 is needed, not 0").
CLI::Validator count_at_least(int min) {
  return CLI::Validator(
      [min](std::string& text) -> std::string {
        int value = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec == std::errc() && end == text.data() + text.size() && value >= min)
          return "";
        return fmt::format("a count of at least {} is needed, not {}", min, text);
      },
      fmt::format("N>={}", min));
}

}  // namespace

int run_main(int argc, char** argv) {
  CLI::App app{"anneal: improves measurable text artifacts in a git repository, the way make builds", "anneal"};
  app.require_subcommand(1);
  std::string directory;
  app.add_option("-C", directory, "change to DIR before doing anything")->type_name("DIR");
  app.set_version_flag("--version", "anneal 0.1.0");

  BuildArgs build;
  auto* build_cmd = app.add_subcommand("build", "run the experiments that are out of date");
  build_cmd->add_option("targets", build.targets, "targets to build (default: all)");
  // Counts are checked here, so a negative one is a usage error (exit 2), never a build.
  build_cmd->add_option("-j", build.jobs, k_jobs_help)
      ->type_name("N")
      ->check(count_at_least(1));
  build_cmd->add_option("-k", build.keep_going, "keep going until N failures (0 means infinity)")
      ->type_name("N")
      ->check(count_at_least(0));
  auto* dry_run = build_cmd->add_flag("-n", build.dry_run, "dry run: show what would run, run nothing");
  build_cmd->add_flag("--fresh", build.fresh, "run every node again, even when its result is cached");
  build_cmd->add_option("--experiments", build.experiments, "override budget.experiments (0: the baseline only)")
      ->type_name("N")
      ->check(count_at_least(0));
  build_cmd->add_option("--more", build.more, "run N experiments more than each target has done")
      ->type_name("N")
      ->check(count_at_least(1))
      ->excludes("--experiments");
  build_cmd->add_option("--remote-cache", build.remote_cache,
                        "share results through this HTTP cache (over ANNEAL_REMOTE_CACHE and the Annealfile's cache.remote)")
      ->type_name("URL");
  build_cmd->add_flag("--remote-read-only", build.remote_read_only, "only download from the remote cache, never upload");
  auto* verbose = build_cmd->add_flag_callback(
      "-v,--verbose", [&build]() { build.verbosity = Verbosity::Verbose; },
      "stream what each node's commands print, each line prefixed by its node");
  build_cmd->add_flag_callback("-q,--quiet", [&build]() { build.verbosity = Verbosity::Quiet; },
                               "print only each target's summary and what failed")
      ->excludes(verbose);
  build_cmd->footer(
      "On a terminal the status line names the running nodes and how long each has run; each finished\n"
      "experiment gets a line (piped: one line each), and a failed one's line ends with the `anneal show KEY`\n"
      "that opens its log. Colour on a terminal unless NO_COLOR is set (https://no-color.org).");

  build_cmd->add_option("--executor", build.executor, "run every node here (local) or on Slurm (slurm), whatever the Annealfile says")
      ->type_name("local|slurm")
      ->check(CLI::IsMember({"local", "slurm"}));
  build_cmd->add_flag("--detach", build.detach,
                      "build in the background, output to .anneal/logs/ (anneal logs -f follows it); returns at once")
      ->excludes(dry_run);

  // The seed's `anneal run --target T --experiments N`: `anneal build T --experiments N`.
  BuildArgs run;
  auto* run_cmd = app.add_subcommand("run", "build one target, as the seed's `anneal run` did (anneal build TARGET)");
  run_cmd->add_option("--target", run.targets, "the target to build (repeat for more)")->required()->type_name("NAME");
  run_cmd->add_option("--experiments", run.experiments, "override budget.experiments")
      ->type_name("N")
      ->check(count_at_least(0));
  run_cmd->add_option("-j", run.jobs, k_jobs_help)->type_name("N")->check(count_at_least(1));
  run_cmd->add_flag("--detach", run.detach, "run in the background, as anneal build --detach");

  RegisterArgs register_args;
  auto* register_cmd = add_register_command(app, register_args);

  std::string node_key;
  bool node_srun = false;
  std::vector<std::string> node_srun_args;
  auto* node_cmd = app.add_subcommand("node", "run one planned node (what build.ninja's edges call)");
  node_cmd->add_option("key", node_key, "node key")->required();
  node_cmd->add_flag("--srun", node_srun, "run it as a Slurm job step, with srun's options after --");
  node_cmd->add_option("srun-args", node_srun_args, "srun's options");
  node_cmd->group("");

  auto* init_cmd = app.add_subcommand("init", "create an Annealfile and the .anneal directory");

  bool json = false;
  std::vector<std::string> status_targets;
  auto* status_cmd = app.add_subcommand("status", "show each target's progress and best score");
  status_cmd->add_option("targets", status_targets, "targets (default: all)");
  status_cmd->add_option("--target", status_targets, "a target, as the seed wrote it")->type_name("NAME");
  status_cmd->add_flag("--json", json, "print JSON");

  std::string target;
  HistoryArgs history;
  auto* history_cmd = app.add_subcommand(
      "history", "a target's experiments, oldest first: a column per tune parameter and metric");
  auto* history_target = history_cmd->add_option("target", history.target, "target");
  history_cmd->add_option("--target", history.target, "the target, as the seed wrote it")
      ->type_name("NAME")
      ->excludes(history_target);
  auto* history_json = history_cmd->add_flag("--json", history.json, "print JSON");
  history_cmd->add_flag("--csv", history.csv, "print CSV")->excludes(history_json);
  history_cmd->add_flag("--all", history.all, "include the earlier runs (before the configuration or baseline changed)");

  FailuresArgs failures;
  auto* failures_cmd = app.add_subcommand(
      "failures", "how a target's recent experiments failed, by category, and the failures no category explains");
  failures_cmd->add_option("target", failures.target, "target")->required();
  failures_cmd->add_option("--last", failures.last, "count the last N experiments (default 20)")
      ->type_name("N")
      ->check(count_at_least(1));
  failures_cmd->add_flag("--json", failures.json, "print JSON");

  std::string hash;
  auto* show_cmd = app.add_subcommand("show", "show an experiment or a node by its hash (a prefix will do)");
  show_cmd->add_option("hash", hash, "experiment key, node key or commit")->required();
  show_cmd->add_flag("--json", json, "print JSON");

  auto* explain_cmd = app.add_subcommand("explain", "say why a target or node is (not) up to date and what went into its key");
  explain_cmd->add_option("what", hash, "target or hash")->required();
  explain_cmd->add_flag("--json", json, "print JSON");

  std::string other;
  auto* diff_cmd = app.add_subcommand("diff", "compare two experiments: outcome, metrics, cost and code diff");
  diff_cmd->add_option("a", hash, "experiment: TARGET#N, or a key or commit prefix")->required();
  diff_cmd->add_option("b", other, "experiment: TARGET#N, or a key or commit prefix")->required();

  std::optional<int> graph_experiment;
  auto* graph_cmd = app.add_subcommand("graph", "print a target's candidate tree (or one experiment's nodes) as Graphviz dot");
  graph_cmd->add_option("target", target, "target")->required();
  graph_cmd->add_option("--experiment", graph_experiment, "the nodes experiment N ran, and what each waited for")
      ->type_name("N")
      ->check(count_at_least(0));

  ReportArgs report;
  auto* report_cmd = app.add_subcommand(
      "report", "write what each target's run found: one self-contained HTML file, or Markdown for a pull request");
  report_cmd->add_option("targets", report.targets, "targets (default: all)");
  report_cmd->add_option("-o,--output", report.output, "write to FILE (default: stdout)")->type_name("FILE");
  report_cmd->add_flag("--markdown", report.markdown, "GitHub-flavoured Markdown for a pull-request comment");

  bool keep_history = false;
  auto* apply_cmd = app.add_subcommand(
      "apply", "bring a target's best candidate into the current branch as one commit in your name");
  apply_cmd->add_option("target", target, "target")->required();
  apply_cmd->add_flag("--keep-history", keep_history,
                      "fast-forward to the chain of candidates instead (HEAD must still be the baseline)");
  bool apply_force = false;
  apply_cmd->add_flag("--force", apply_force, "apply a candidate whose last deployment tier is not approved");

  ApprovalArgs approval;
  ApprovalCommands approval_cmds = add_approval_commands(app, approval);

  auto* stop_cmd = app.add_subcommand("stop", "ask a running build to stop after its current experiment");
  auto* stop_target = stop_cmd->add_option("target", target, "the target whose build to stop (default: every running build)");
  stop_cmd->add_option("--target", target, "the target, as the seed wrote it")->type_name("NAME")->excludes(stop_target);
  bool stop_now = false;
  stop_cmd->add_flag("--now", stop_now, "stop it now, as Ctrl-C does (running nodes stopped, Slurm jobs cancelled)");

  LogsArgs logs;
  auto* logs_cmd = app.add_subcommand("logs", "print the newest background build's output (anneal build --detach)");
  auto* logs_target = logs_cmd->add_option("target", logs.target, "the newest build of this target");
  logs_cmd->add_option("--target", logs.target, "the target, as the seed wrote it")->type_name("NAME")->excludes(logs_target);
  logs_cmd->add_flag("-f,--follow", logs.follow, "keep printing what it prints until it ends; exit with its status");

  CleanArgs clean;
  auto* clean_cmd = app.add_subcommand("clean", "remove worktrees and build files (targets named: also their experiments)");
  clean_cmd->add_option("targets", clean.targets, "forget these targets' experiments and refs");
  clean_cmd->add_flag("--cache", clean.cache, "also drop the local cache");

  std::string stats_verb;
  auto* stats_cmd = app.add_subcommand("stats", "run the statistics engine on a JSON array read from stdin");
  stats_cmd->add_option("verb", stats_verb, "wilcoxon, beta-ppf, holm or cohen-d")->required();

  CacheArgs cache;
  auto* cache_cmd = app.add_subcommand("cache", "show the local cache's size, or shrink it");
  cache_cmd->require_subcommand(1);
  cache_cmd->add_subcommand("stats", "count the local cache's results and blobs")
      ->add_flag("--json", cache.json, "print JSON");
  auto* cache_gc_cmd = cache_cmd->add_subcommand("gc", "remove the least recently used entries until the cache fits");
  cache_gc_cmd->add_option("--max-size", cache.max_size,
                           "the size to fit in: bytes, or a number with k, M, G, T (powers of 1000) or Ki, Mi, "
                           "Gi, Ti (powers of 1024), e.g. 500M or 1.5G (default 5G)")
      ->type_name("SIZE");

  ReproArgs repro;
  auto* repro_cmd = app.add_subcommand(
      "repro", "run an experiment or a node again with the cache bypassed and compare (exit 1 when it differs)");
  repro_cmd->add_option("hash", repro.hash, "experiment key, commit or node key (a prefix will do)")->required();
  repro_cmd->add_option("--tolerance", repro.tolerance,
                        "relative tolerance for the scores of stages, judges and decisions (default 0: equal)")
      ->type_name("X")
      ->check(CLI::NonNegativeNumber);
  repro_cmd->add_flag("--json", repro.json, "print JSON");

  DashboardArgs dashboard;
  auto* dashboard_cmd = app.add_subcommand(
      "dashboard", "serve a live web page of every target's experiments, and their JSON API");
  dashboard_cmd->add_option("--host", dashboard.host,
                            "address to listen on (default 127.0.0.1; any other needs the token it prints)")
      ->type_name("H");
  dashboard_cmd->add_option("--port", dashboard.port, "port to listen on (default 8080; 0: any free port)")
      ->type_name("N")
      ->check(CLI::Range(0, 65535));
  dashboard_cmd->add_flag("--open", dashboard.open, "open the page in the browser ($BROWSER, else xdg-open)");

  std::string help_topic;
  auto* help_cmd = app.add_subcommand("help", "show the help of anneal or of one command");
  help_cmd->add_option("command", help_topic, "a command");

  // `-C DIR` before or after the command, as with git.
  std::vector<std::string> commands;
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (!sub->get_group().empty())
      commands.push_back(sub->get_name());
    sub->add_option("-C", directory, "change to DIR before doing anything")->type_name("DIR");
  }

  // A typo gets the command it resembles, not CLI11's "arguments were not expected".
  if (std::string typed = typed_command(argc, argv);
      !typed.empty() && std::find(commands.begin(), commands.end(), typed) == commands.end() && typed != "node") {
    auto guess = closest_command(typed, commands);
    fmt::print(stderr, "anneal: '{}' is not an anneal command{}\nthe commands: {}\n", typed,
               guess ? fmt::format("; did you mean '{}'?", *guess) : "", fmt::join(commands, ", "));
    return 2;
  }

  const std::string top_help = app.help();  // after parsing, help() is the parsed command's
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (help_cmd->parsed()) {
    if (help_topic.empty()) {
      fmt::print("{}", top_help);
      return 0;
    }
    CLI::App* topic = nullptr;
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
      if (sub->get_name() == help_topic)
        topic = sub;
    if (!topic) {
      auto guess = closest_command(help_topic, commands);
      fmt::print(stderr, "anneal: no command '{}'{}\n", help_topic,
                 guess ? fmt::format("; did you mean '{}'?", *guess) : "");
      return 2;
    }
    fmt::print("{}", topic->help("anneal"));
    return 0;
  }

  // `anneal history TARGET` or `anneal history --target TARGET`: one of them.
  if (history_cmd->parsed() && history.target.empty()) {
    fmt::print(stderr, "anneal history: name the target: anneal history TARGET (or --target TARGET)\n");
    return 2;
  }

  if (!directory.empty() && ::chdir(directory.c_str()) != 0) {
    fmt::print(stderr, "anneal: cannot change to {}: {}\n", directory, std::strerror(errno));
    return 1;
  }
  proc::install_interrupt_handlers();

  Result<int> result = 0;
  // Library exceptions are caught where the library is called; one that slips through is a
  // bug in anneal, and is reported as one rather than aborting without a word.
  try {
  if (build_cmd->parsed())
    result = build.detach ? run_detached(build) : run_build(build);
  else if (run_cmd->parsed())
    result = run.detach ? run_detached(run) : run_build(run);
  else if (logs_cmd->parsed())
    result = run_logs(logs);
  else if (register_cmd->parsed())
    result = run_register(register_args);
  else if (node_cmd->parsed())
    result = node_srun ? run_node_on_slurm(node_key, node_srun_args) : run_node(node_key);
  else if (init_cmd->parsed())
    result = run_init();
  else if (status_cmd->parsed())
    result = run_status(status_targets, json);
  else if (history_cmd->parsed())
    result = run_history(history);
  else if (failures_cmd->parsed())
    result = run_failures(failures);
  else if (show_cmd->parsed())
    result = run_show(hash, json);
  else if (explain_cmd->parsed())
    result = run_explain(hash, json);
  else if (diff_cmd->parsed())
    result = run_diff(hash, other);
  else if (graph_cmd->parsed())
    result = run_graph(target, graph_experiment);
  else if (report_cmd->parsed())
    result = run_report(report);
  else if (apply_cmd->parsed())
    result = run_apply(target, keep_history, apply_force);
  else if (approval_cmds.approve->parsed() || approval_cmds.reject->parsed())
    result = run_approval(approval, approval_cmds.approve->parsed());
  else if (stop_cmd->parsed())
    result = run_stop(target, stop_now);
  else if (clean_cmd->parsed())
    result = run_clean(clean);
  else if (stats_cmd->parsed())
    result = run_stats(stats_verb);
  else if (cache_cmd->parsed()) {
    cache.gc = cache_gc_cmd->parsed();
    result = run_cache(cache);
  } else if (repro_cmd->parsed())
    result = run_repro(repro);
  else if (dashboard_cmd->parsed())
    result = run_dashboard(dashboard);
  } catch (const std::exception& e) {
    result = fail(fmt::format("internal error (please report it): {}", e.what()));
  }
  return report_result(result);
}

int report_result(const Result<int>& result) {
  if (result)
    return *result;
  std::fflush(stdout);
  // Diagnostics (Annealfile:3:5: error: …) already say where they come from.
  const std::string& message = result.error().message;
  bool located = message.find(": error: ") != std::string::npos;
  fmt::print(stderr, "{}{}\n", located ? "" : "anneal: " + paint("error:", Color::Red, use_color(stderr)) + " ",
             message);
  return 1;
}

}  // namespace anneal::cli
