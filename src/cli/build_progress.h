// What `anneal build` shows while ninja runs nodes (the way ninja shows its running edge).
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "cli/terminal.h"
#include "graph/node_batch.h"
#include "graph/workspace.h"

namespace anneal::cli {

/// Watches the nodes ninja runs (graph::BatchWatch). On a terminal, unless quiet, the status
/// line names the running nodes and how long each has run, with how many of the batch are
/// done, refreshed five times a second:
///   "[3/50] latency #3 (2/5) stage p50 latency#3.0 (2/3) 12.4 s, gate lint latency#3.1 0.8 s"
/// ("(2/3)": the stage's second of three repeats).
/// Verbose, on any stream: each line the nodes' commands print, as it comes, prefixed by its
/// node ("stage p50 latency#3.0 | 41.2 ms"). It reads what the nodes write under
/// .anneal/running/ (graph/running_node.h): ninja's own output says nothing until an edge ends.
class BuildProgress {
 public:
  BuildProgress(StatusLine& status, graph::Workspace& workspace, Verbosity verbosity);

  /// A graph::BatchWatch.
  void watch(const graph::NodeBatch& batch, graph::BatchPhase phase);

  /// The status line's text for `batch` at `now` (what runs, read from the workspace).
  std::string status_text(const graph::NodeBatch& batch, std::chrono::system_clock::time_point now);

 private:
  /// Prints the complete lines the nodes' commands added since last time (all of it, the
  /// last partial line too, when `final`).
  void relay(const graph::NodeBatch& batch, bool final);

  struct Stream {
    uintmax_t offset = 0;  ///< bytes of the node's .out file shown so far
    std::string partial;   ///< read, not yet ended by a newline
  };

  StatusLine& m_status;
  graph::Workspace& m_ws;
  Verbosity m_verbosity;
  std::chrono::steady_clock::time_point m_last;
  std::map<std::string, Stream> m_streams;  ///< by node key
  std::set<std::string> m_seen;             ///< nodes of the batch seen running
};

/// "12.4 s" under a minute, "4m05s" from then on.
std::string elapsed_text(double seconds);

}  // namespace anneal::cli
