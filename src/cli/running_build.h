// A running build of a target, as `anneal status` shows it: who (pid, machine), since when,
// which experiment, and, for a background build, where its output goes.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "graph/node_batch.h"
#include "graph/workspace.h"
#include "proc/lock_file.h"

namespace anneal::cli {

// .anneal/targets/<name>/running.json, rewritten by the build holding the target's lock as
// each of its experiments starts to run nodes; version 1:
//   {"v": 1, "pid": N, "experiment": I, "budget": N[, "log": ".anneal/logs/build-….log"]}
// "log" only for a background build. It counts only while the target's lock is held by that
// pid: a build killed with -9 leaves the file behind but not the lock, so it is not running.

/// A build that holds a target's lock now.
struct RunningBuild {
  proc::LockHolder holder;           ///< pid, host, since (the lock's record)
  double elapsed_s = 0;              ///< since it took the lock
  std::optional<int> experiment;     ///< the experiment it runs (0: the baseline), once known
  int budget = 0;
  std::string log;                   ///< a background build's log, relative to the repository
};

/// The build of `target` that runs now, if one does.
std::optional<RunningBuild> running_build(const graph::Workspace& workspace, const std::string& target);

/// {"pid", "host", "since", "elapsed_s", "experiment", "budget", "detached", "log"}
nlohmann::json running_json(const RunningBuild& running);

/// "building experiment 3/10 (pid 123 on box, 1m20s; in the background: anneal logs -f t)";
/// the baseline is "building the baseline, experiment 0/10 (…)".
std::string running_text(const RunningBuild& running, const std::string& target);

/// Keeps running.json up to date as a build's experiments start (a graph::BatchWatch's
/// Starting phase); writes only when the experiment changes.
class RunningRecord {
 public:
  RunningRecord(const graph::Workspace& workspace, std::filesystem::path log);
  void note(const graph::NodeBatch& batch);

 private:
  const graph::Workspace& m_ws;
  std::filesystem::path m_log;  ///< empty: a build in the foreground
  std::string m_target;
  int m_experiment = -1;
};

}  // namespace anneal::cli
