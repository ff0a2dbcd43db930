#pragma once

#include <optional>
#include <string>
#include <vector>

#include "graph/annealfile.h"
#include "graph/experiment_plan.h"
#include "graph/workspace.h"
#include "llm/pricing.h"
#include "util/error.h"

namespace anneal::graph {

/// What the LLM calls of a plan could cost at most, before they are made.
struct CostEstimate {
  double usd = 0;        ///< prompt tokens (estimated) at input price + max_tokens at output price
  int calls = 0;         ///< calls still to make (cached replies cost nothing)
  std::vector<std::string> unpriced;  ///< models without a known price
};

/// The estimate for the calls among `nodes` that are not in the cache (all of them when
/// `fresh`: --fresh asks again).
CostEstimate estimate_calls(const std::vector<PlannedNode>& nodes, const cache::LocalStore& store,
                            const llm::PriceTable& prices, bool fresh = false);

/// Checks a target's budget before its next LLM calls: an empty string when they may go
/// ahead, else why the target stops (per-experiment limit, or the day's limit with what was
/// spent today). An error when a budget is set but a model has no price.
Result<std::string> budget_stop(const Target& target, const CostEstimate& estimate, Workspace& workspace);

/// Money the target spent on LLM calls today (local calendar day) and in all.
struct Spend {
  double today = 0;
  double total = 0;
};
Result<Spend> target_spend(const Workspace& workspace, const std::string& target);

/// Fails when an api agent of `target` has no key in the environment, naming the variable.
Result<void> check_api_key(const Target& target);

}  // namespace anneal::graph
