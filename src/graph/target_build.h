#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/node_batch.h"
#include "graph/ninja_file.h"
#include "graph/workspace.h"
#include "util/error.h"

namespace anneal::graph {

struct BuildOptions {
  int jobs = 0;        ///< ninja -j (0 = ninja's default)
  int keep_going = 1;  ///< ninja -k
  bool dry_run = false;
  bool fresh = false;  ///< run every node again, even when its result is cached
  std::optional<int> experiments;  ///< overrides budget.experiments
  int more = 0;  ///< > 0: the budget is the experiments done (in the current run) plus this
  std::filesystem::path anneal_exe;
  /// Where each node runs (graph/node_placement.h); null: all on this machine.
  PlaceNode place;
  /// Environment for the `anneal node` processes (the remote cache's settings).
  std::vector<std::pair<std::string, std::string>> node_env;
  /// After each experiment, with its ledger record and the target's budget.
  std::function<void(const Target&, const nlohmann::json& record, int budget)> on_experiment;
  /// After each step of a new best's deployment (graph/deployment.h), with its ledger record.
  std::function<void(const Target&, const nlohmann::json& step)> on_deploy;
  /// Everything else worth telling the user: lock waits, dry-run listings, warnings.
  std::function<void(const std::string&)> on_note;
  /// While ninja runs nodes: what runs (graph/node_batch.h).
  BatchWatch watch_nodes;
};

/// Built: ran to its budget of experiments; BudgetSpent: stopped before one, its money spent.
enum class BuildStatus { UpToDate, Built, Stopped, DryRun, BudgetSpent };

struct TargetBuildResult {
  BuildStatus status = BuildStatus::UpToDate;
  int experiments_run = 0;  ///< not counting the baseline
  int unfinished = 0;  ///< experiments left that did not finish: the next build runs them again
  std::string summary;  ///< one line: "api-perf: 20 experiments, best 41.2 (baseline 50.3)"
};

/// Builds one target: takes its lock, runs its experiments one after another until the
/// budget is reached (or `anneal stop`), each as a DAG of nodes run by ninja, and records
/// every experiment in the ledger. Targets it needs must have been built.
Result<TargetBuildResult> build_target(Workspace& workspace, const Annealfile& annealfile,
                                       const Target& target, const BuildOptions& options);

}  // namespace anneal::graph
