#include "nodes/llm_node.h"

#include <chrono>

#include <fmt/format.h>

#include "llm/api_key.h"
#include "llm/client.h"

namespace anneal::nodes {

llm::Request llm_request(const nlohmann::json& spec) {
  llm::Request request;
  request.provider = spec.at("provider") == "anthropic" ? llm::Provider::anthropic : llm::Provider::openai;
  request.model = spec.at("model").get<std::string>();
  request.base_url = spec.value("base_url", "");
  request.system = spec.value("system", "");
  request.messages.push_back({"user", spec.at("prompt").get<std::string>()});
  if (spec.contains("temperature") && !spec.at("temperature").is_null())
    request.temperature = spec.at("temperature").get<double>();
  request.max_tokens = spec.value("max_tokens", 4096);
  if (spec.contains("seed") && !spec.at("seed").is_null())
    request.seed = spec.at("seed").get<int64_t>();
  return request;
}

std::optional<llm::Price> llm_price(const nlohmann::json& spec, const llm::PriceTable& table) {
  if (spec.contains("pricing") && spec.at("pricing").is_object())
    return llm::Price{spec.at("pricing").value("input", 0.0), spec.at("pricing").value("output", 0.0)};
  llm::Request request = llm_request(spec);
  if (llm::is_loopback_url(llm::effective_base_url(request)))
    return llm::Price{};
  return table.find(request.provider, request.model);
}

Result<NodeResult> execute_llm(NodeContext& context, const NodeSpec& spec) {
  const auto& j = spec.json;
  auto started = std::chrono::steady_clock::now();
  llm::Request request = llm_request(j);
  auto key = llm::read_api_key(request, j.value("api_key_env", ""));
  if (!key)
    return std::unexpected(key.error());
  llm::ClientOptions options;
  options.timeouts.total = std::chrono::milliseconds(static_cast<int64_t>(j.value("timeout", 600.0) * 1000));
  options.retry.max_attempts = j.value("retries", 5);
  llm::Client client(options);
  auto reply = client.send(request, *key);

  NodeResult result;
  auto finish = [&]() {
    result.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  if (!reply) {
    long status = client.last_status();
    if (status == 401 || status == 403 || status == 404)
      return std::unexpected(reply.error());
    // The provider failed after the retries, or the network did: no answer, so not cached.
    result.outcome = Outcome::Crashed;
    result.unfinished = true;
    result.detail = reply.error().message;
    finish();
    return result;
  }
  if (auto a = attach_blob(context, result, "reply", reply->text); !a)
    return std::unexpected(a.error());
  result.input_tokens = reply->input_tokens;
  result.output_tokens = reply->output_tokens;
  if (reply->stop_reason == "length" || reply->stop_reason == "max_tokens")
    result.detail = fmt::format("stopped at max_tokens ({})", request.max_tokens);
  auto table = llm::load_price_table();
  if (!table)
    return std::unexpected(table.error());
  if (auto price = llm_price(j, *table))
    result.cost_usd = llm::cost_usd(*price, reply->input_tokens, reply->output_tokens);
  if (result.cost_usd > 0) {
    if (auto charged = charge_spend(context, j.at("target").get<std::string>(), result.cost_usd, spec.key.hex());
        !charged)
      return std::unexpected(charged.error());
  }
  finish();
  return result;
}

}  // namespace anneal::nodes
