// UCB1 over the tree of candidate commits: which ancestor to branch from next.
//
// Persisted form (to_json / from_json), version 1:
//   {"version": 1, "exploration": <number >= 0>, "prune_after": <integer>,
//    "experiments": <integer >= 0>,
//    "nodes": [{"id": <int>, "commit": <non-empty string>, "parent": <string>,
//               "fitness": <number>, "visits": <int >= 0>, "reward": <number >= 0>,
//               "stale": <int >= 0>, "dead": <bool>}, ...]}
// Nodes are in insertion order, so a node's parent ("" for a root) always comes before it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace anneal::search {

/// One candidate commit in the tree, with the statistics of the experiments branched from it.
struct TreeNode {
  int id = 0;
  std::string commit;
  std::string parent;  ///< "" for a root
  double fitness = 0;
  int visits = 0;     ///< experiments branched from this node or from a descendant
  double reward = 0;  ///< sum of rewards of those experiments
  int stale = 0;      ///< expansions of this node in a row that did not beat its fitness
  bool dead = false;  ///< pruned: `stale` reached prune_after
};

/// The tree of candidates and the UCB1 choice of the next parent. A class because the
/// commit index and the per-node statistics must stay consistent with `nodes()`.
class UcbTree {
 public:
  /// `exploration` is UCB1's c; `prune_after` < 1 never prunes.
  explicit UcbTree(double exploration = 1.4142135623730951, int prune_after = 5);

  /// Adds a root candidate (the baseline). A commit already in the tree is not added again.
  void add_root(int id, const std::string& commit, double fitness);

  /// One experiment that branched from `parent`: `child` (empty commit / nullopt fitness
  /// when it failed) and whether it improved. Reward 1 when the child beat the parent's
  /// fitness, else 0; the reward and the visit are added to `parent` and to each of its
  /// ancestors. A child that beat its parent becomes a node; a worse one is only a failed
  /// expansion (the tree grows along improvements, and backtracks through its ancestors). A node whose last `prune_after` expansions all failed to beat it is
  /// dead (an expansion that beats it revives it); a node is selectable only when it is not
  /// dead. A non-finite fitness counts as a failure; a parent not in the tree is ignored.
  void record(const std::string& parent, int id, const std::string& child, std::optional<double> fitness);

  /// The node to branch from: max over live nodes of (reward + prior) / (n + 1) +
  /// c * sqrt(ln(N) / (n + 1)), where the prior is the node's fitness rank among the live
  /// nodes (worst 0, best 1), N = total experiments recorded + 1 and n = the node's visits (so a new
  /// node is tried according to its own fitness, not before every other); ties: lower id. When every node is dead, the fittest node (revived;
  /// ties: lower id). Returns the commit and a one-line reason
  /// ("ucb 0.83 = 0.50 + 0.33 over 4 visits"); an empty tree gives an empty commit.
  std::pair<std::string, std::string> select() const;

  /// Every node, in the order they were added.
  const std::vector<TreeNode>& nodes() const { return m_nodes; }
  /// The number of nodes not dead.
  int live() const;
  /// Experiments recorded so far (those whose parent was in the tree).
  int experiments() const { return m_experiments; }

  nlohmann::json to_json() const;
  static Result<UcbTree> from_json(const nlohmann::json& j);

 private:
  /// The index of `commit` in m_nodes, nullopt when absent.
  std::optional<size_t> find(const std::string& commit) const;
  void add_node(TreeNode node);

  double m_exploration;
  int m_prune_after;
  int m_experiments = 0;
  std::vector<TreeNode> m_nodes;
  std::unordered_map<std::string, size_t> m_index;  ///< commit -> position in m_nodes
};

}  // namespace anneal::search
