#include "graph/llm_call.h"

#include <fmt/format.h>

#include "nodes/node.h"

namespace anneal::graph {

PlannedNode side_call(const Agent& agent, const Target& target, CallRequest request) {
  nlohmann::json call = llm_fields(agent, target.name);
  call["purpose"] = request.purpose;
  call["experiment"] = request.experiment;
  call["draft"] = 0;
  call["seed"] = static_cast<int64_t>(draft_seed(target.search.seed, request.experiment, request.seed_salt));
  call["temperature"] = call_temperature(agent.api, request.temperature);
  call["system"] = std::move(request.system);
  call["prompt"] = std::move(request.prompt);
  call["max_tokens"] = std::min(agent.api.max_tokens, request.max_tokens);
  auto spec = nodes::make_spec(std::move(call));
  return PlannedNode{spec, {}, false, fmt::format("llm {}#{} {}", target.name, request.experiment, request.purpose),
                     "llm_" + agent.api.provider, agent.api.max_concurrent};
}

Result<CallOutcome> run_call(const PlannedNode& call, const cache::LocalStore& store, const CallHooks& hooks,
                             const std::string& what) {
  std::vector<PlannedNode> nodes = {call};
  auto stop = hooks.over_budget(nodes);
  if (!stop)
    return std::unexpected(stop.error());
  if (!stop->empty()) {
    hooks.note(fmt::format("{}: {}", what, *stop));
    return CallOutcome{};
  }
  if (auto ran = hooks.run_nodes(nodes); !ran) {
    hooks.note(fmt::format("{}: {}", what, ran.error().message));
    return CallOutcome{};
  }
  CallOutcome outcome;
  outcome.result = nodes::latest_result(store, call.spec.key);
  if (!outcome.result)
    return outcome;
  if (!outcome.result->ok()) {
    hooks.note(fmt::format("{}: {}", what, outcome.result->detail));
    return outcome;
  }
  auto it = outcome.result->blobs.find("reply");
  auto digest = it == outcome.result->blobs.end() ? std::nullopt : cache::Digest::from_hex(it->second);
  if (digest)
    outcome.reply = store.get_blob(*digest);
  return outcome;
}

}  // namespace anneal::graph
