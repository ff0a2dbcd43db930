#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "graph/agent_prompt.h"
#include "graph/annealfile.h"
#include "graph/embedding_retrieval.h"
#include "graph/experiment_plan.h"
#include "graph/ledger.h"
#include "graph/workspace.h"
#include "knowledge/knowledge_store.h"
#include "nodes/node_result.h"
#include "util/error.h"

namespace anneal::graph {

/// What a target's agent is told about the past: every earlier attempt (retrieved by
/// similarity to the recent ones), the consolidated learnings of the target (an LLM summary
/// every `knowledge.consolidate_every` experiments, itself a cached node), and lessons from
/// other targets in the user's learning pool. Kept up to date during a build.
///
/// With `knowledge.retrieval: embeddings`, similar attempts and pooled lessons are ranked by
/// the cosine of their embeddings (graph/embedding_retrieval.h); when the endpoint fails, one
/// warning goes to `note` and TF-IDF ranks for the rest of the build.
class TargetKnowledge {
 public:
  TargetKnowledge(Workspace& workspace, const Target& target, std::function<void(const std::string&)> note = {});
  ~TargetKnowledge();

  /// Reads every attempt of the ledger's current generation and the latest learnings.
  Result<void> load(const Ledger& ledger);
  /// Adds a finished experiment (a ledger record).
  void add(const nlohmann::json& record);

  /// Fills `input.similar`, `input.learnings` and `input.pooled` for the next prompt.
  Result<void> fill(PromptInput& input);

  /// The LLM call that consolidates what experiments up to `id` taught, when one is due
  /// (api agents, every consolidate_every experiments).
  std::optional<PlannedNode> consolidation(int id) const;
  /// Keeps the learnings of a finished consolidation call and shares them in the pool.
  Result<void> learned(int id, const PlannedNode& call, const nodes::NodeResult& result);

  size_t size() const { return m_store.size(); }

 private:
  /// The embedder while embedding retrieval is on and has not failed; else nullptr.
  const knowledge::Embed* embedder() const { return m_embeddings ? &m_embed : nullptr; }
  /// Turns embedding retrieval off for the rest of the build, saying why once.
  void embeddings_failed(const Error& error);

  Workspace& m_ws;
  const Target& m_target;
  knowledge::KnowledgeStore m_store;
  std::optional<double> m_last_score;  ///< the incumbent's score before the next attempt
  std::string m_learnings;
  std::string m_learnings_key;  ///< the call that wrote them
  std::function<void(const std::string&)> m_note;
  std::unique_ptr<EmbeddingRetrieval> m_embeddings;  ///< null: TF-IDF
  knowledge::Embed m_embed;
};

}  // namespace anneal::graph
