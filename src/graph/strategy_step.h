// What the search strategy decides before an experiment runs: which strategy acts (auto's
// arm), where each draft starts (and with which second parent), and what the decide node
// will compare the best draft with.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/experiment_plan.h"
#include "graph/search_memory.h"

namespace anneal::graph {

struct StrategyStep {
  std::string strategy;  ///< the acting strategy: search.strategy, or auto's arm
  std::vector<DraftStart> starts;  ///< one per draft
  /// For the decide node (nodes/strategy_decision.h): {"strategy": NAME, ...} with what that
  /// strategy compares with — the island's members, the front, the archive or the parent's
  /// score; null for greedy and annealing, which compare with the incumbent.
  nlohmann::json reference;
};

/// The step of experiment `id` (> 0). Deterministic in the target's seed, `id` and the memory.
StrategyStep strategy_step(const Target& target, int id, const SearchPosition& position,
                           const SearchMemory& memory);

}  // namespace anneal::graph
