#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/terminal.h"
#include "util/error.h"

namespace anneal::cli {

// Each command returns its exit status, or an Error that main prints and turns into 1.

class DaemonChannel;

struct BuildArgs {
  std::vector<std::string> targets;
  int jobs = 0;
  int keep_going = 1;
  bool dry_run = false;
  bool fresh = false;
  std::optional<int> experiments;
  int more = 0;  ///< --more N: N experiments beyond those done
  std::optional<std::string> remote_cache;  ///< --remote-cache URL
  bool remote_read_only = false;            ///< --remote-read-only
  Verbosity verbosity = Verbosity::Normal;  ///< -q, -v
  std::string executor;                     ///< --executor local|slurm; empty: the Annealfile's
  bool detach = false;                      ///< --detach: in the background (cli/detach.h)
  DaemonChannel* daemon = nullptr;          ///< set in the background build's own process
};

Result<int> run_build(const BuildArgs& args);
/// `anneal build --detach` (cli/detach.h).
Result<int> run_detached(const BuildArgs& args);

struct LogsArgs {
  std::string target;   ///< empty: the newest background build, whatever it builds
  bool follow = false;  ///< -f: until that build ends
};
/// `anneal logs [TARGET] [-f]`: prints the newest background build's output; -f follows it
/// until the build ends and returns its exit status.
Result<int> run_logs(const LogsArgs& args);
Result<int> run_node(const std::string& key);
/// `anneal node --srun KEY -- SRUN_ARGS…`: runs the node as one Slurm job step
/// (`srun SRUN_ARGS… anneal node KEY`) and watches it from this machine (cli/slurm_node.cc).
Result<int> run_node_on_slurm(const std::string& key, const std::vector<std::string>& srun_args);
Result<int> run_init();
Result<int> run_status(const std::vector<std::string>& targets, bool json);
struct HistoryArgs {
  std::string target;
  bool json = false;
  bool csv = false;
  bool all = false;  ///< --all: earlier runs too (each record gets "run": 1 for the oldest)
};
/// `anneal history TARGET`: the experiments as a table (or CSV, or JSON).
Result<int> run_history(const HistoryArgs& args);
struct FailuresArgs {
  std::string target;
  size_t last = 20;  ///< --last N: the window, in experiments
  bool json = false;
};
/// `anneal failures TARGET`: the failure categories of the last experiments, and the blind spots.
Result<int> run_failures(const FailuresArgs& args);
Result<int> run_show(const std::string& hash, bool json);
Result<int> run_explain(const std::string& what, bool json);
/// `anneal diff A B`: two experiments' outcomes, metrics, cost and code diff.
Result<int> run_diff(const std::string& a, const std::string& b);
/// `anneal graph TARGET`: its candidate tree as Graphviz dot; with `experiment`, that
/// experiment's node DAG.
Result<int> run_graph(const std::string& target, std::optional<int> experiment);

struct ReportArgs {
  std::vector<std::string> targets;  ///< empty: all
  std::string output;                ///< -o FILE; empty or "-": stdout
  bool markdown = false;             ///< a pull-request comment instead of HTML
};
/// `anneal report`: what each target's run found, as one HTML file or as Markdown.
Result<int> run_report(const ReportArgs& args);

/// `anneal apply TARGET [--keep-history] [--force]`; `force` applies a candidate whose last
/// deployment tier waits for (or lacks) an approval.
Result<int> run_apply(const std::string& target, bool keep_history, bool force = false);
/// Asks the running build of `target` (empty: of every target being built) to stop after its
/// current experiment; `now`: stops it
/// now, as Ctrl-C does (its nodes are stopped, its Slurm jobs cancelled, and the unfinished
/// experiment runs again next time).
Result<int> run_stop(const std::string& target, bool now = false);

struct CleanArgs {
  std::vector<std::string> targets;  ///< also forget these targets' experiments
  bool cache = false;                ///< also drop the local cache
};
Result<int> run_clean(const CleanArgs& args);

/// `anneal stats VERB`: reads a JSON array of items on stdin, prints the results.
Result<int> run_stats(const std::string& verb);

struct CacheArgs {
  bool gc = false;                ///< `cache gc`; else `cache stats`
  bool json = false;              ///< stats as JSON
  std::string max_size = "5G";    ///< gc: what the cache must fit in (cache::parse_size)
};
/// `anneal cache stats|gc`: the local cache's entries by kind, or eviction down to a size.
Result<int> run_cache(const CacheArgs& args);

struct ReproArgs {
  std::string hash;        ///< experiment key, candidate commit or node key (a prefix)
  double tolerance = 0;    ///< relative, for scores of stages, judges and decisions
  bool json = false;
};
/// `anneal repro HASH`: runs it again with the cache bypassed; 0 when it reproduces, else 1.
Result<int> run_repro(const ReproArgs& args);

struct DashboardArgs {
  std::string host = "127.0.0.1";  ///< --host: any other than loopback needs the printed token
  int port = 8080;                 ///< --port: 0 picks a free one
  bool open = false;               ///< --open: opens the page in the browser
};
/// `anneal dashboard`: serves the live web page and its JSON API until interrupted.
Result<int> run_dashboard(const DashboardArgs& args);

}  // namespace anneal::cli
