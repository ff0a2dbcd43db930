// Which nodes are running now, and what their commands print as they run: what
// `anneal build` shows on its status line (and with -v) while ninja runs the nodes.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>

#include "cache/digest.h"
#include "graph/workspace.h"

namespace anneal::graph {

// .anneal/running/<key>: written by `anneal node KEY` when it starts, removed when it ends
// (however its node ended: the node runs in a child, see proc/supervised.h). One JSON object,
//   {"v": 1, "pid": the `anneal node` process, "host": its machine, "started": Unix time in
//    milliseconds, "step": N, "steps": M}
// "step" and "steps" (which of a stage's M repeats runs) only once the node's second step
// starts being counted, rewritten as each begins.
// A file whose process is gone (`kill -9` of the whole build) is not a running node; one
// written on another machine (a Slurm compute node) is, as long as it is there: its pid means
// nothing here.
// .anneal/running/<key>.out: only when the build asks for it (ANNEAL_LIVE_OUTPUT=1, `-v`):
// what the node's commands print, appended as whole lines, redacted (nodes/live_output.h);
// removed when the node starts, and by the build once it has shown it.

/// Set to "1" in the nodes' environment by `anneal build -v`.
inline constexpr const char* k_live_output_env = "ANNEAL_LIVE_OUTPUT";

struct RunningNode {
  int pid = 0;
  std::chrono::system_clock::time_point started;
  int step = 0, steps = 0;  ///< which of its steps runs (1..steps); 0, 0: not counted
};

/// Marks node `key` as running for as long as it lives (RAII); a node that cannot be
/// marked runs all the same, unseen.
class RunningMark {
 public:
  RunningMark(const Workspace& workspace, const cache::Digest& key);
  ~RunningMark();
  RunningMark(const RunningMark&) = delete;
  RunningMark& operator=(const RunningMark&) = delete;

 private:
  std::filesystem::path m_path;
};

/// Notes in node `key`'s running mark that its step `step` of `steps` starts (a stage's
/// repeats). Best effort, like the mark: a node that cannot say so runs all the same.
void mark_step(const Workspace& workspace, const cache::Digest& key, int step, int steps);

/// The running state of node `key`, when it is running (its process alive).
std::optional<RunningNode> running_node(const Workspace& workspace, const cache::Digest& key);

/// Where node `key`'s commands' output goes while it runs, when the build asked for it.
std::filesystem::path live_output_path(const Workspace& workspace, const cache::Digest& key);

}  // namespace anneal::graph
