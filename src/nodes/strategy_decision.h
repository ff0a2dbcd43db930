// Acceptance by the population, pareto, tree and elites strategies: a candidate is kept
// when it enters the structure the strategy keeps (an island, the front, an archive cell) or,
// in the tree, when it beats the parent it branched from. Greedy and annealing compare with
// the incumbent instead (search.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace anneal::nodes {

/// A scored candidate as the strategies see it (fitness: larger is better).
struct StrategyCandidate {
  int id = 0;
  int draft = 0;
  std::string commit;
  double fitness = 0;
  std::vector<double> point;      ///< every objective's fitness (pareto)
  std::vector<double> behaviour;  ///< the archive's axes (elites)
};

struct StrategyVerdict {
  bool accept = false;
  std::string reason;
};

/// Whether `candidate` is kept under `reference` (a decide spec's "reference", as
/// graph/strategy_step.h builds it). `min_improvement` applies to the tree's comparison with
/// the parent. Fails on a malformed reference.
/// Reasons show scores as the user wrote them: `minimize` undoes the fitness's sign.
Result<StrategyVerdict> strategy_verdict(const nlohmann::json& reference, const StrategyCandidate& candidate,
                                         double min_improvement, bool minimize);

}  // namespace anneal::nodes
