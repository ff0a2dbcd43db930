#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/digest.h"
#include "graph/annealfile.h"
#include "nodes/node_spec.h"
#include "util/error.h"

namespace anneal::graph {

/// Where a target's search stands after an experiment; recorded as the ledger's "state".
struct SearchPosition {
  std::string baseline;   ///< commit the target started from
  std::string incumbent;  ///< commit the next candidate starts from
  std::optional<double> incumbent_score;
  std::string best;       ///< best commit so far (the branch anneal/<target>)
  std::optional<double> best_score;
  std::optional<double> baseline_score;
  nlohmann::json search = nlohmann::json::object();  ///< nodes::SearchState
  int consecutive_failures = 0;
  double spent_usd = 0;

  nlohmann::json to_json() const;
  static SearchPosition from_json(const nlohmann::json& j);
};

/// A node that ninja runs: an edge whose inputs are the outputs of `inputs`.
struct PlannedNode {
  nodes::NodeSpec spec;
  std::vector<cache::Digest> inputs;
  bool exclusive = false;
  std::string description;
};

/// One experiment: the ninja edges (mutate, verify, stage) and the decide node that the
/// build runs itself once they are done.
struct ExperimentPlan {
  int id = 0;
  std::vector<PlannedNode> nodes;  ///< in dependency order
  nodes::NodeSpec decide;
  std::vector<cache::Digest> mutations;  ///< one per draft (empty for the baseline)
};

/// Digest of everything in a target's configuration that can change its experiments'
/// results (budget.experiments excluded), plus the commits of the targets it needs.
cache::Digest config_digest(const Target& target, const std::vector<std::string>& upstream_commits);

/// Plans experiment 0: the gates and stages on the baseline commit.
Result<ExperimentPlan> plan_baseline(const Target& target, const std::string& baseline);

/// Plans experiment `id` from `position`. `prompt` is given to command agents.
Result<ExperimentPlan> plan_experiment(const Target& target, int id, const SearchPosition& position,
                                       const std::string& prompt);

/// The seed of one draft of one experiment: a non-negative 31-bit number.
uint64_t draft_seed(uint64_t seed, int experiment, int draft);

}  // namespace anneal::graph
