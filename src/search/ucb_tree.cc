#include "search/ucb_tree.h"

#include <algorithm>
#include <cmath>
#include <vector>
#include <limits>

#include <fmt/format.h>

namespace anneal::search {

namespace {

constexpr int k_format_version = 1;

}  // namespace

UcbTree::UcbTree(double exploration, int prune_after)
    : m_exploration(exploration), m_prune_after(prune_after) {
}

std::optional<size_t> UcbTree::find(const std::string& commit) const {
  auto it = m_index.find(commit);
  if (it == m_index.end())
    return std::nullopt;
  return it->second;
}

void UcbTree::add_node(TreeNode node) {
  m_index.emplace(node.commit, m_nodes.size());
  m_nodes.push_back(std::move(node));
}

void UcbTree::add_root(int id, const std::string& commit, double fitness) {
  if (commit.empty() || find(commit))
    return;
  add_node(TreeNode{.id = id, .commit = commit, .parent = "", .fitness = fitness});
}

void UcbTree::record(const std::string& parent, int id, const std::string& child,
                     std::optional<double> fitness) {
  auto from = find(parent);
  if (!from)
    return;
  const bool scored = !child.empty() && fitness && std::isfinite(*fitness);
  const bool improved = scored && *fitness > m_nodes[*from].fitness;
  ++m_experiments;

  // Nodes only ever point at earlier nodes, so this walk ends at a root.
  for (std::optional<size_t> at = from; at; at = find(m_nodes[*at].parent)) {
    TreeNode& node = m_nodes[*at];
    ++node.visits;
    node.reward += improved ? 1 : 0;
  }

  // Staleness is about expanding this node itself: a descendant's luck says nothing about
  // whether branching from here again is worth it.
  TreeNode& expanded = m_nodes[*from];
  expanded.stale = improved ? 0 : expanded.stale + 1;
  expanded.dead = m_prune_after > 0 && expanded.stale >= m_prune_after;

  // Only an improvement grows the tree: a worse child is a failed expansion of its parent.
  // Were every scored child a node, UCB's bonus for the untried would send the search down
  // through its worst candidates, one after another.
  if (improved && !find(child))
    add_node(TreeNode{.id = id, .commit = child, .parent = parent, .fitness = *fitness});
}

std::pair<std::string, std::string> UcbTree::select() const {
  if (m_nodes.empty())
    return {"", "the tree is empty"};

  // A node's value is its mean reward with its own standing counted as one prior
  // observation, so a new node is tried according to how good it is rather than before
  // every other (UCB1's "unvisited first").
  // The prior is the node's rank among the live nodes (worst 0, best 1): raw fitness would
  // let one outlier squash every other difference.
  std::vector<double> live_fitness;
  for (const TreeNode& node : m_nodes)
    if (!node.dead)
      live_fitness.push_back(node.fitness);
  std::sort(live_fitness.begin(), live_fitness.end());
  auto rank_of = [&](double fitness) {
    if (live_fitness.size() < 2)
      return 1.0;
    auto below = std::lower_bound(live_fitness.begin(), live_fitness.end(), fitness) - live_fitness.begin();
    return static_cast<double>(below) / static_cast<double>(live_fitness.size() - 1);
  };
  const double log_total = std::log(static_cast<double>(m_experiments) + 1);
  const TreeNode* best = nullptr;
  double best_mean = 0, best_bonus = 0;
  for (const TreeNode& node : m_nodes) {
    if (node.dead)
      continue;
    const double prior = rank_of(node.fitness);
    const double n = node.visits + 1.0;
    const double mean = (node.reward + prior) / n;
    const double bonus = m_exploration * std::sqrt(log_total / n);
    const double ucb = mean + bonus;
    const double best_ucb = best_mean + best_bonus;
    if (!best || ucb > best_ucb || (ucb == best_ucb && node.id < best->id)) {
      best = &node;
      best_mean = mean;
      best_bonus = bonus;
    }
  }
  if (best)
    return {best->commit, fmt::format("ucb {:.2f} = {:.2f} + {:.2f} over {} visits", best_mean + best_bonus,
                                      best_mean, best_bonus, best->visits)};

  // Every node is dead: fall back on the fittest rather than stop the search.
  const TreeNode* fittest = &m_nodes.front();
  for (const TreeNode& node : m_nodes)
    if (node.fitness > fittest->fitness || (node.fitness == fittest->fitness && node.id < fittest->id))
      fittest = &node;
  return {fittest->commit, fmt::format("all {} nodes pruned: node {}, the fittest ({:g}), revived",
                                       m_nodes.size(), fittest->id, fittest->fitness)};
}

int UcbTree::live() const {
  int count = 0;
  for (const TreeNode& node : m_nodes)
    count += node.dead ? 0 : 1;
  return count;
}

nlohmann::json UcbTree::to_json() const {
  nlohmann::json nodes = nlohmann::json::array();
  for (const TreeNode& node : m_nodes)
    nodes.push_back({{"id", node.id},
                     {"commit", node.commit},
                     {"parent", node.parent},
                     {"fitness", node.fitness},
                     {"visits", node.visits},
                     {"reward", node.reward},
                     {"stale", node.stale},
                     {"dead", node.dead}});
  return {{"version", k_format_version},
          {"exploration", m_exploration},
          {"prune_after", m_prune_after},
          {"experiments", m_experiments},
          {"nodes", std::move(nodes)}};
}

namespace {

/// The integer `key` of `j`, at least `min`.
Result<int> integer_field(const nlohmann::json& j, const char* key, int min, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() < min ||
      it->get<int64_t>() > std::numeric_limits<int>::max())
    return fail(fmt::format("ucb tree: {}'{}' must be an integer >= {}", where, key, min));
  return it->get<int>();
}

/// The finite number `key` of `j`, at least `min`.
Result<double> number_field(const nlohmann::json& j, const char* key, double min, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < min)
    return fail(fmt::format("ucb tree: {}'{}' must be a finite number >= {:g}", where, key, min));
  return it->get<double>();
}

Result<std::string> string_field(const nlohmann::json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    return fail(fmt::format("ucb tree: {}'{}' must be a string", where, key));
  return it->get<std::string>();
}

Result<TreeNode> node_from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object())
    return fail(fmt::format("ucb tree: {}expected an object, not {}", where, j.dump()));
  auto id = integer_field(j, "id", std::numeric_limits<int>::min(), where);
  if (!id)
    return std::unexpected(id.error());
  auto commit = string_field(j, "commit", where);
  if (!commit)
    return std::unexpected(commit.error());
  auto parent = string_field(j, "parent", where);
  if (!parent)
    return std::unexpected(parent.error());
  auto fitness = number_field(j, "fitness", std::numeric_limits<double>::lowest(), where);
  if (!fitness)
    return std::unexpected(fitness.error());
  auto visits = integer_field(j, "visits", 0, where);
  if (!visits)
    return std::unexpected(visits.error());
  auto reward = number_field(j, "reward", 0, where);
  if (!reward)
    return std::unexpected(reward.error());
  auto stale = integer_field(j, "stale", 0, where);
  if (!stale)
    return std::unexpected(stale.error());
  auto dead = j.find("dead");
  if (dead == j.end() || !dead->is_boolean())
    return fail(fmt::format("ucb tree: {}'dead' must be true or false", where));
  if (commit->empty())
    return fail(fmt::format("ucb tree: {}'commit' must not be empty", where));
  if (*reward > *visits)
    return fail(fmt::format("ucb tree: {}reward {:g} exceeds its {} visits", where, *reward, *visits));
  return TreeNode{*id, *commit, *parent, *fitness, *visits, *reward, *stale, dead->get<bool>()};
}

}  // namespace

Result<UcbTree> UcbTree::from_json(const nlohmann::json& j) {
  if (!j.is_object())
    return fail(fmt::format("ucb tree: expected an object, not {}", j.dump()));
  auto version = integer_field(j, "version", 0, "");
  if (!version)
    return std::unexpected(version.error());
  if (*version != k_format_version)
    return fail(
        fmt::format("ucb tree: format version {} is not the supported {}", *version, k_format_version));
  auto exploration = number_field(j, "exploration", 0, "");
  if (!exploration)
    return std::unexpected(exploration.error());
  auto prune_after = integer_field(j, "prune_after", std::numeric_limits<int>::min(), "");
  if (!prune_after)
    return std::unexpected(prune_after.error());
  auto experiments = integer_field(j, "experiments", 0, "");
  if (!experiments)
    return std::unexpected(experiments.error());
  auto nodes = j.find("nodes");
  if (nodes == j.end() || !nodes->is_array())
    return fail("ucb tree: 'nodes' must be an array");

  UcbTree tree(*exploration, *prune_after);
  tree.m_experiments = *experiments;
  for (size_t i = 0; i < nodes->size(); ++i) {
    const std::string where = fmt::format("node {}: ", i);
    auto node = node_from_json((*nodes)[i], where);
    if (!node)
      return std::unexpected(node.error());
    if (tree.find(node->commit))
      return fail(fmt::format("ucb tree: {}commit {} appears twice", where, node->commit));
    // A parent must come earlier, which also rules out cycles in the ancestor walk.
    if (!node->parent.empty() && !tree.find(node->parent))
      return fail(fmt::format("ucb tree: {}parent {} is not an earlier node", where, node->parent));
    tree.add_node(std::move(*node));
  }
  return tree;
}

}  // namespace anneal::search
