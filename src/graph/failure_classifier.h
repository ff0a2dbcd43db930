// The taxonomy agent (`taxonomy: {agent: NAME}`): an LLM that names the seed's category of a
// failure the built-in rules leave as `crash` or `regression`, from the logs of the nodes
// that failed. Its call is a node like any other, so the same failure is classified once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/local_store.h"
#include "graph/annealfile.h"
#include "graph/experiment_plan.h"
#include "graph/llm_call.h"
#include "util/error.h"

namespace anneal::graph {

/// What `anneal failures` feeds the classifier: the chosen draft's nodes that did not
/// succeed (for a regression, also its stages), each with its detail and the end of what it
/// printed, within about 8 KB.
std::string failure_logs(const ExperimentPlan& plan, const nlohmann::json& record, const cache::LocalStore& store);

/// The call that classifies `record`'s failure, when the target has a taxonomy agent and the
/// rules' category is `crash` or `regression`.
std::optional<PlannedNode> classification_call(const Target& target, const nlohmann::json& record,
                                               const std::string& logs);

/// Sets `record`'s "failure" (ledger.h) from the classifier's reply: the category on its
/// `Category:` line when it is one of k_agent_categories (else `unexplained`: a blind spot)
/// and the `Reason:` line.
void apply_classification(nlohmann::json& record, const std::string& agent, const std::string& reply);

/// How the build runs the call (graph/llm_call.h).
using ClassifierHooks = CallHooks;

/// Classifies `record`'s failure when due (classification_call): runs the call and applies
/// its reply. A call that cannot run or fails leaves the rules' category, with a note.
/// Returns what the call cost.
Result<double> classify_failure(const Target& target, const ExperimentPlan& plan, nlohmann::json& record,
                                const cache::LocalStore& store, const ClassifierHooks& hooks);

}  // namespace anneal::graph
