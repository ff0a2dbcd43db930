#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/digest.h"
#include "graph/workspace.h"
#include "nodes/node_result.h"
#include "util/error.h"

namespace anneal::graph {

// `anneal repro`: runs recorded nodes again with the cache bypassed and compares.
//
// The nodes run with a scratch store (in .anneal/tmp/repro-XXXXXX) that holds only their
// inputs, copied from the real cache — the mutation a candidate came from, the gates and
// stages a node waits for — so nothing answers a node, or a judge's calls, from the cache.
// Candidates are checked out in scratch worktrees there, registered with git under names of
// their own (a build's worktrees are not touched) and removed afterwards. Money spent by
// LLM calls is charged to the target's spend log as usual. Nothing is written to the real
// cache or ledger.
//
// An experiment is reproduced without its agent (an agent's output is not expected to
// repeat): its recorded mutations are the candidates; their gates, stages and judge run
// again, then the decision over the fresh results is compared with the ledger's record.

struct ReproOptions {
  /// Relative tolerance for scores of stages, judges and decisions: |now − recorded| ≤
  /// tolerance·|recorded|. 0: equal. With a tolerance, outputs are not compared either
  /// (a stochastic stage's output differs from run to run).
  double tolerance = 0;
};

/// One value that came out differently.
struct ValueDifference {
  std::string name;  ///< "outcome", "score", "exit code", "stdout", "scores.latency", …
  nlohmann::json recorded;
  nlohmann::json now;
};

/// A node that ran again, and how its result compares with the recorded one.
struct NodeRepro {
  std::string key;          ///< hex
  std::string description;  ///< describe_spec
  bool recorded = true;     ///< false: no recorded result left in the cache to compare with
  std::vector<ValueDifference> differences;
  bool reproduces() const { return recorded && differences.empty(); }
};

struct ReproReport {
  std::vector<NodeRepro> nodes;  ///< in the order they ran
  /// Experiments: the fresh decision compared with the ledger's record.
  std::optional<NodeRepro> decision;
  /// The node's result (or, for an experiment, the decision) is the recorded one.
  bool reproduces = false;
};

/// How a fresh result of a node of kind `kind` differs from the recorded one. Pure.
std::vector<ValueDifference> compare_results(std::string_view kind, const nodes::NodeResult& recorded,
                                             const nodes::NodeResult& now, const ReproOptions& options);

/// How a decision differs from a recorded one: outcome, accepted or not, chosen draft and
/// commit, score and each stage's score. Either side may be a ledger record (accept under
/// "decision") or a decide node's "decision" object (accept at the top). Pure.
std::vector<ValueDifference> compare_decisions(const nlohmann::json& recorded, const nlohmann::json& now,
                                               const ReproOptions& options);

/// Runs the node `key` again and compares. Fails when its spec or recorded result is gone,
/// or an input it needs is not in the cache.
Result<ReproReport> reproduce_node(Workspace& workspace, const cache::Digest& key, const ReproOptions& options);

/// Runs the experiment of the ledger record `record` again (without its agent) and compares.
Result<ReproReport> reproduce_experiment(Workspace& workspace, const nlohmann::json& record,
                                         const ReproOptions& options);

}  // namespace anneal::graph
