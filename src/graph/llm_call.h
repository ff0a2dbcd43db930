// The LLM calls a build makes besides mutations — classifying a failure, consolidating
// learnings, rewriting the policy or the instructions: each a node planned like any other
// (so the same request is answered from the cache) and run on its own, through the target's
// budget check. A call that cannot run or fails never stops the build: it is noted.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cache/local_store.h"
#include "graph/annealfile.h"
#include "graph/experiment_plan.h"
#include "nodes/node_result.h"
#include "util/error.h"

namespace anneal::graph {

/// How the build runs a call: its budget check ("" to go ahead, else why not), its runner,
/// and where notes go.
struct CallHooks {
  std::function<Result<std::string>(const std::vector<PlannedNode>&)> over_budget;
  std::function<Result<void>(const std::vector<PlannedNode>&)> run_nodes;
  std::function<void(const std::string&)> note;
};

/// What one call asks: its purpose (in the spec and the node's description), the experiment
/// it belongs to, a salt for its seed, its temperature, system prompt, prompt and reply limit.
struct CallRequest {
  std::string purpose;
  int experiment = 0;
  int seed_salt = 0;
  double temperature = 0;
  std::string system;
  std::string prompt;
  int max_tokens = 1024;
};

/// The llm node of `request` to `agent` (an api agent) on behalf of `target`.
PlannedNode side_call(const Agent& agent, const Target& target, CallRequest request);

/// What running a call gave: its result (none when it did not run) and its reply when it
/// succeeded.
struct CallOutcome {
  std::optional<nodes::NodeResult> result;
  std::optional<std::string> reply;
  double cost_usd() const { return result ? result->cost_usd : 0.0; }
};

/// Runs `call` unless the budget forbids it; a call that cannot run or fails is noted as
/// "`what`: why". Errors only for what stops the build (the budget check's own failure).
Result<CallOutcome> run_call(const PlannedNode& call, const cache::LocalStore& store, const CallHooks& hooks,
                             const std::string& what);

}  // namespace anneal::graph
