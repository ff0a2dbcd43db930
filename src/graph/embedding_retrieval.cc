#include "graph/embedding_retrieval.h"

#include <chrono>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "llm/api_key.h"
#include "llm/embeddings.h"
#include "llm/spend_log.h"
#include "nodes/llm_node.h"
#include "nodes/node.h"
#include "nodes/node_spec.h"

namespace anneal::graph {

namespace {

Result<knowledge::Vector> parse_vector(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array() || j.empty())
    return fail("not a vector");
  knowledge::Vector vector;
  vector.reserve(j.size());
  for (const auto& x : j) {
    if (!x.is_number())
      return fail("not a vector");
    vector.push_back(x.get<float>());
  }
  return vector;
}

}  // namespace

EmbeddingRetrieval::EmbeddingRetrieval(Workspace& workspace, const Agent& agent, std::string target)
    : m_ws(workspace), m_agent(agent), m_target(std::move(target)) {}

EmbeddingRetrieval::~EmbeddingRetrieval() = default;

Result<std::vector<knowledge::Vector>> EmbeddingRetrieval::embed(const std::vector<std::string>& texts) {
  std::vector<knowledge::Vector> out(texts.size());
  // The texts neither this build nor the cache has embedded, by key, and where they go in `out`.
  struct Missing {
    cache::Digest key;
    std::string text;
    std::vector<size_t> places;
  };
  std::map<std::string, Missing> missing;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (texts[i].empty())
      continue;
    nodes::NodeSpec spec = nodes::make_spec({{"kind", "embedding"}, {"model", m_agent.api.model}, {"text", texts[i]}});
    std::string hex = spec.key.hex();
    if (auto known = m_vectors.find(hex); known != m_vectors.end()) {
      out[i] = known->second;
      continue;
    }
    if (auto cached = nodes::cached_result(m_ws.store(), spec.key); cached && cached->ok() &&
                                                                      cached->blobs.contains("embedding")) {
      auto digest = cache::Digest::from_hex(cached->blobs.at("embedding"));
      auto blob = digest ? m_ws.store().get_blob(*digest) : std::nullopt;
      Result<knowledge::Vector> vector = blob ? parse_vector(*blob) : Result<knowledge::Vector>(fail("missing"));
      if (vector) {
        out[i] = m_vectors[hex] = std::move(*vector);
        continue;
      }
    }
    auto [entry, added] = missing.try_emplace(hex, Missing{spec.key, texts[i], {}});
    entry->second.places.push_back(i);
  }
  if (missing.empty())
    return out;

  llm::EmbeddingRequest request{m_agent.api.model, m_agent.api.base_url, {}};
  for (const auto& [hex, entry] : missing)
    request.inputs.push_back(entry.text);
  llm::Request chat;
  chat.provider = llm::Provider::openai;
  chat.model = m_agent.api.model;
  chat.base_url = m_agent.api.base_url;
  auto key = llm::read_api_key(chat, m_agent.api.api_key_env);
  if (!key)
    return std::unexpected(key.error());
  if (!m_client) {
    llm::ClientOptions options;
    options.timeouts.total = std::chrono::milliseconds(static_cast<int64_t>(m_agent.timeout_s * 1000));
    options.retry.max_attempts = m_agent.api.retries;
    m_client = std::make_unique<llm::Client>(options);
  }
  ++m_requests;
  auto reply = llm::embed(*m_client, request, *key);
  if (!reply)
    return std::unexpected(reply.error());

  // What the call cost: the agent's own prices, $0 on loopback, else the price table's.
  if (!m_prices) {
    auto table = llm::load_price_table();
    if (!table)
      return std::unexpected(table.error());
    m_prices = std::move(*table);
  }
  nlohmann::json priced = {{"provider", "openai"},
                           {"model", m_agent.api.model},
                           {"base_url", llm::effective_base_url(chat)},
                           {"prompt", ""},
                           {"pricing", m_agent.api.pricing ? nlohmann::json{{"input", m_agent.api.pricing->input},
                                                                             {"output", 0.0}}
                                                           : nlohmann::json(nullptr)}};
  auto price = nodes::llm_price(priced, *m_prices);
  double cost = price ? llm::cost_usd(*price, reply->input_tokens, 0) : 0.0;
  if (cost > 0)
    if (auto charged = llm::SpendLog(m_ws.anneal_dir() / "targets" / m_target / "spend.jsonl")
                           .charge(cost, fmt::format("embeddings of {} texts", request.inputs.size()));
        !charged)
      return std::unexpected(charged.error());

  size_t n = 0;
  double share = 1.0 / static_cast<double>(missing.size());
  for (const auto& [hex, entry] : missing) {
    knowledge::Vector& vector = reply->vectors[n++];
    if (auto stored = store(entry.key, vector, static_cast<int64_t>(static_cast<double>(reply->input_tokens) * share),
                            cost * share);
        !stored)
      return std::unexpected(stored.error());
    for (size_t i : entry.places)
      out[i] = vector;
    m_vectors[hex] = std::move(vector);
  }
  return out;
}

Result<void> EmbeddingRetrieval::store(const cache::Digest& key, const knowledge::Vector& vector, int64_t tokens,
                                       double cost_usd) {
  auto blob = m_ws.store().put_blob(nlohmann::json(vector).dump());
  if (!blob)
    return std::unexpected(blob.error());
  nodes::NodeResult result;
  result.blobs["embedding"] = blob->hex();
  result.input_tokens = tokens;
  result.cost_usd = cost_usd;
  return m_ws.store().put_action(key, result.serialize());
}

}  // namespace anneal::graph
