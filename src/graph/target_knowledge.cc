#include "graph/target_knowledge.h"

#include <ctime>

#include <fmt/format.h>

#include "graph/llm_call.h"
#include "knowledge/learning_pool.h"
#include "nodes/node.h"
#include "util/clock_text.h"
#include "util/file.h"
#include "util/json_text.h"

namespace anneal::graph {

namespace {

constexpr size_t k_pooled = 3;

std::optional<double> number(const nlohmann::json& j, const char* name) {
  if (!j.contains(name) || !j.at(name).is_number())
    return std::nullopt;
  return j.at(name).get<double>();
}

/// The text the similarity search starts from: what the latest experiments tried.
std::string recent_query(const std::vector<nlohmann::json>& recent) {
  std::string query;
  size_t from = recent.size() > 3 ? recent.size() - 3 : 0;
  for (size_t i = from; i < recent.size(); ++i)
    query += recent[i].value("hypothesis", "") + "\n";
  return query;
}

std::string source_name(const Workspace& ws, const Target& target) {
  return ws.root().filename().string() + "/" + target.name;
}

}  // namespace

TargetKnowledge::TargetKnowledge(Workspace& workspace, const Target& target,
                                 std::function<void(const std::string&)> note)
    : m_ws(workspace), m_target(target), m_note(std::move(note)) {
  if (target.knowledge.embeddings && target.knowledge.agent) {
    m_embeddings = std::make_unique<EmbeddingRetrieval>(workspace, *target.knowledge.agent, target.name);
    m_embed = m_embeddings->function();
  }
}

TargetKnowledge::~TargetKnowledge() = default;

void TargetKnowledge::embeddings_failed(const Error& error) {
  m_embeddings.reset();
  m_embed = nullptr;
  if (m_note)
    m_note(fmt::format("{}: warning: embedding retrieval failed, so similar experiments and lessons are found by "
                       "TF-IDF for the rest of this build: {}",
                       m_target.name, error.message));
}

Result<void> TargetKnowledge::load(const Ledger& ledger) {
  auto records = ledger.generation();
  if (!records)
    return std::unexpected(records.error());
  for (const auto& r : *records)
    add(r);
  if (auto text = read_file_if_exists(m_ws.learnings_path(m_target.name))) {
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_object()) {
      m_learnings = j.value("text", "");
      m_learnings_key = j.value("key", "");
    }
  }
  return {};
}

void TargetKnowledge::add(const nlohmann::json& record) {
  std::string outcome = record.value("outcome", "");
  std::optional<double> score = number(record, "score");
  if (outcome == "baseline") {
    m_last_score = score;
    return;
  }
  knowledge::Attempt attempt;
  attempt.id = record.value("id", 0);
  attempt.hypothesis = record.value("hypothesis", "");
  attempt.outcome = outcome;
  attempt.score = score;
  if (score && m_last_score)
    attempt.delta = *score - *m_last_score;
  attempt.detail = record.value("detail", "");
  if (record.contains("state"))
    if (auto incumbent = number(record.at("state"), "incumbent_score"))
      m_last_score = incumbent;
  if (!attempt.hypothesis.empty() || !attempt.detail.empty())
    m_store.add(std::move(attempt));
}

Result<void> TargetKnowledge::fill(PromptInput& input) {
  const KnowledgeSettings& settings = m_target.knowledge;
  std::string query = recent_query(input.recent);
  if (settings.similar > 0 && m_store.size() > 0 && !query.empty()) {
    std::vector<int> shown;
    for (const auto& r : input.recent)
      shown.push_back(r.value("id", 0));
    std::optional<std::vector<const knowledge::Attempt*>> similar;
    if (const knowledge::Embed* embed = embedder()) {
      if (auto found = m_store.similar(*embed, query, settings.similar, shown))
        similar = std::move(*found);
      else
        embeddings_failed(found.error());
    }
    if (!similar)
      similar = m_store.similar(query, settings.similar, shown);
    for (const knowledge::Attempt* attempt : *similar) {
      std::string line = knowledge::format_attempts({attempt});
      while (!line.empty() && line.back() == '\n')
        line.pop_back();
      input.similar.push_back(std::move(line));
    }
  }
  input.learnings = m_learnings;
  if (settings.share) {
    std::string about = query + "\n" + m_learnings;
    if (about.find_first_not_of(" \n") != std::string::npos) {
      knowledge::LearningPool pool = knowledge::LearningPool::for_user();
      auto pooled = [&]() -> Result<std::vector<knowledge::PooledLearning>> {
        if (const knowledge::Embed* embed = embedder()) {
          auto ranked = pool.relevant(*embed, settings.domain, about, k_pooled + 1, settings.domain_penalty);
          if (ranked)
            return ranked;
          embeddings_failed(ranked.error());
        }
        return pool.relevant(settings.domain, about, k_pooled + 1, settings.domain_penalty);
      }();
      if (!pooled)
        return std::unexpected(pooled.error());
      std::string self = source_name(m_ws, m_target);
      for (const auto& p : *pooled)
        if (p.learning.source != self && input.pooled.size() < k_pooled)
          input.pooled.push_back(knowledge::format_pooled(p, settings.domain, settings.domain_penalty));
    }
  }
  return {};
}

std::optional<PlannedNode> TargetKnowledge::consolidation(int id) const {
  int every = m_target.knowledge.consolidate_every;
  if (m_target.agent.kind != AgentKind::Api || every <= 0 || id <= 0 || id % every != 0)
    return std::nullopt;
  const auto& attempts = m_store.attempts();
  size_t from = attempts.size() > static_cast<size_t>(every) * 2 ? attempts.size() - every * 2 : 0;
  std::vector<const knowledge::Attempt*> window;
  for (size_t i = from; i < attempts.size(); ++i)
    window.push_back(&attempts[i]);
  std::string prompt = fmt::format(
      "These are the latest experiments on target '{}' (objective: {} `{}`), oldest first:\n\n{}\n",
      m_target.name, m_target.objective.direction == Direction::Minimize ? "minimize" : "maximize",
      m_target.objective.metric, knowledge::format_attempts(window));
  if (!m_learnings.empty())
    prompt += fmt::format("What was learned before:\n\n{}\n\n", m_learnings);
  prompt += "Write at most 8 short bullet points of what these experiments teach about improving this "
            "objective: what worked, what did not and why, and what to try next. Merge them with what "
            "was learned before; drop what the new results contradict. Reply with the bullets only.";
  return side_call(m_target.agent, m_target,
                   {"learnings", id, 1 << 20, 0.2,
                    "You summarise the results of optimisation experiments into short, concrete lessons.",
                    std::move(prompt), 1024});
}

Result<void> TargetKnowledge::learned(int id, const PlannedNode& call, const nodes::NodeResult& result) {
  if (!result.ok() || !result.blobs.count("reply"))
    return {};
  auto digest = cache::Digest::from_hex(result.blobs.at("reply"));
  auto text = digest ? m_ws.store().get_blob(*digest) : std::nullopt;
  if (!text)
    return {};
  std::string key = call.spec.key.hex();
  bool fresh = key != m_learnings_key;
  m_learnings = *text;
  m_learnings_key = key;
  nlohmann::json j = {{"through", id}, {"key", key}, {"text", m_learnings}};
  if (auto written = write_file_atomic(m_ws.learnings_path(m_target.name), dump_json(j) + "\n", Durability::Unsynced);
      !written)
    return written;
  // A replay reads the same learnings from the cache: share them once.
  if (fresh && m_target.knowledge.share)
    return knowledge::LearningPool::for_user().add(
        {m_target.knowledge.domain, source_name(m_ws, m_target), m_learnings, now_utc_iso()});
  return {};
}

}  // namespace anneal::graph
