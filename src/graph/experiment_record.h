// The ledger record of one experiment (ledger.h, retry_plan.h) and where the search stands
// after it.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/experiment_plan.h"
#include "graph/target_state.h"
#include "nodes/node_result.h"

namespace anneal::graph {

/// What went into one experiment's record.
struct ExperimentOutcome {
  const Target& target;
  const TargetState& state;
  const ExperimentPlan& plan;
  const nodes::NodeResult& decided;  ///< the decide node's result
  int attempt = 1;                   ///< 1, or more for an experiment run again
  double counted_cost = 0;           ///< what its earlier attempts were counted as costing
  const std::vector<std::vector<double>>& features;  ///< search.surrogate: per draft
  const nlohmann::json& ranking;                     ///< search.surrogate: the ranking, or null
};

/// The ledger record of `in`'s experiment; moves `position` to where the search stands after it.
nlohmann::json experiment_record(const ExperimentOutcome& in, SearchPosition& position);

}  // namespace anneal::graph
