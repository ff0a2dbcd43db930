#pragma once

#include <optional>

#include "llm/pricing.h"
#include "llm/request.h"
#include "nodes/node.h"

namespace anneal::nodes {

// LLM call spec fields (version 1), besides "kind": "llm" and "v":
//
//   "target": NAME, "purpose": "mutate"|"learnings"|"generate"|"judge"
//   "experiment": N, "draft": D          mutate and learnings calls only
//   "vote": V, "retry": 1                judge calls: the vote's index, and the one retry after
//                                        an unreadable answer (see judge_node.h)
//   "provider": "openai"|"anthropic", "model": NAME, "base_url": URL (never empty)
//   "api_key_env": VARIABLE               the name of the variable, never its value
//   "temperature": X|null, "max_tokens": N, "seed": N, "system": TEXT, "prompt": TEXT
//   "timeout": SECONDS, "retries": N
//   "pricing": {"input": USD/Mtok, "output": USD/Mtok} | null   the agent's own prices
//
// The result is ok with the blob "reply" (the model's text), "tokens" and "cost_usd", and
// detail "stopped at max_tokens" when the reply was cut short; a call that failed after its
// retries, or a reply that cannot be read, is "crashed" with the reason. A refused key (401,
// 403) or an unknown model or endpoint (404) is an error: every later call would fail too.
// What a call costs is also charged to the target's spend log (.anneal/targets/T/spend.jsonl).

/// The request an llm spec describes.
llm::Request llm_request(const nlohmann::json& spec);

/// The price per token of the model an llm spec names: the agent's own pricing, else $0 for
/// a loopback endpoint, else the price table; nullopt when the model has no known price.
std::optional<llm::Price> llm_price(const nlohmann::json& spec, const llm::PriceTable& table);

/// Sends the request (with the key from the environment) and records the reply.
Result<NodeResult> execute_llm(NodeContext& context, const NodeSpec& spec);

}  // namespace anneal::nodes
