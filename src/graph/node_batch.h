// One run of ninja: the nodes of an experiment (or of the learnings, the held-out check)
// whose results are missing, and who is told what runs while it does.
#pragma once

#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "graph/annealfile.h"
#include "graph/experiment_plan.h"
#include "graph/ninja_file.h"
#include "graph/ninja_runner.h"
#include "graph/workspace.h"
#include "util/error.h"

namespace anneal::graph {

/// What ninja is given at one time.
struct NodeBatch {
  const Target& target;
  int experiment = 0;  ///< the experiment they belong to
  int budget = 0;      ///< the target's budget of experiments
  std::vector<PlannedNode> nodes;  ///< only those that run
};

enum class BatchPhase { Starting, Running, Ended };

/// Told what runs (a progress display): once before ninja starts, about every 50 ms while
/// it runs, and once after it ended, whether it failed or not.
using BatchWatch = std::function<void(const NodeBatch&, BatchPhase)>;

struct BatchOptions {
  NinjaOptions ninja;  ///< ninja.fresh: every node runs again, its cached result dropped
  std::filesystem::path anneal_exe;
  BatchWatch watch;  ///< may be empty
  PlaceNode place;   ///< where each node runs (graph/node_placement.h); empty: here
};

/// Which of an experiment's nodes were given to ninja over its batches; the others' results
/// were in the cache, local or remote (a record's "cached", ledger.h).
class BatchUse {
 public:
  /// Notes `nodes` (one batch's) and `sent`, what run_batch gave ninja of them.
  void add(const std::vector<PlannedNode>& nodes, const std::vector<cache::Digest>& sent);
  /// The keys (hex, sorted) of the nodes noted and never sent.
  std::vector<std::string> cached() const;

 private:
  std::set<std::string> m_used, m_sent;
};

/// Saves the specs of `nodes` and runs, through ninja, those whose results are not cached;
/// returns the keys of those it gave ninja (none: every result was cached). `batch.nodes` is
/// filled with them.
Result<std::vector<cache::Digest>> run_batch(Workspace& workspace, NodeBatch batch, const std::vector<PlannedNode>& nodes,
                       const BatchOptions& options);

}  // namespace anneal::graph
