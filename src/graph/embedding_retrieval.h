#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "graph/annealfile.h"
#include "graph/workspace.h"
#include "knowledge/embedding_index.h"
#include "llm/client.h"
#include "llm/pricing.h"
#include "util/error.h"

namespace anneal::graph {

/// `knowledge: {retrieval: embeddings, agent: NAME}`: texts embedded by the agent's
/// OpenAI-compatible endpoint (llm/embeddings.h), with its base_url, model, key variable,
/// timeout and retries, as its chat calls would be.
///
/// Every vector is cached like a node result: under the key of the spec
///   {"kind": "embedding", "v": 1, "model": MODEL, "text": TEXT}
/// (content only: the same text and model give the same vector wherever the server runs),
/// an ok result whose blob "embedding" is the vector as a JSON array. So a replay or a
/// second build sends no request for a text it embedded before; the texts not cached are
/// sent together. What the endpoint bills is charged to the target's spend log.
class EmbeddingRetrieval {
 public:
  EmbeddingRetrieval(Workspace& workspace, const Agent& agent, std::string target);
  ~EmbeddingRetrieval();

  /// The vectors of `texts`, in order (an empty text gets an empty vector, which matches
  /// nothing); an error when the endpoint fails after its retries or answers nonsense.
  Result<std::vector<knowledge::Vector>> embed(const std::vector<std::string>& texts);
  /// `embed` as the knowledge store takes it; valid while this object lives.
  knowledge::Embed function() {
    return [this](const std::vector<std::string>& texts) { return embed(texts); };
  }
  /// Requests sent to the endpoint by this object.
  int requests() const { return m_requests; }

 private:
  /// Caches `vector` as the result of the embedding node `key`.
  Result<void> store(const cache::Digest& key, const knowledge::Vector& vector, int64_t tokens, double cost_usd);

  Workspace& m_ws;
  const Agent& m_agent;
  std::string m_target;
  std::unordered_map<std::string, knowledge::Vector> m_vectors;  ///< by key (hex), this build's
  std::unique_ptr<llm::Client> m_client;
  std::optional<llm::PriceTable> m_prices;
  int m_requests = 0;
};

}  // namespace anneal::graph
