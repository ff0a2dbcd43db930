#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "knowledge/embedding_index.h"
#include "knowledge/tfidf_index.h"

namespace anneal::knowledge {

/// One past experiment, as the agent should hear about it.
struct Attempt {
  int id = 0;  ///< experiment number
  std::string hypothesis;
  std::string outcome;          ///< kept, discarded, rejected, blocked, crashed
  std::optional<double> score;  ///< objective value, when evaluated
  std::optional<double> delta;  ///< score minus its parent's, when both are known
  std::string detail;           ///< why it failed, for rejected/blocked/crashed
};

/// Every hypothesis of one target and how it ended, searchable by similarity. Built in
/// memory from the ledger when a build starts and grown as experiments finish.
class KnowledgeStore {
 public:
  void add(Attempt attempt);
  size_t size() const { return m_attempts.size(); }
  const std::vector<Attempt>& attempts() const { return m_attempts; }
  /// Up to `k` past attempts most similar to `query` (TF-IDF cosine), best first, leaving out
  /// the experiments whose ids are in `exclude` (those the prompt already shows).
  std::vector<const Attempt*> similar(std::string_view query, size_t k,
                                      const std::vector<int>& exclude = {}) const;
  /// The same by the cosine of the hypotheses' embeddings (`knowledge.retrieval: embeddings`);
  /// an error when `embed` fails (the caller falls back to TF-IDF).
  Result<std::vector<const Attempt*>> similar(const Embed& embed, std::string_view query, size_t k,
                                              const std::vector<int>& exclude = {}) const;

 private:
  /// The first `k` attempts of `rank(n)` (a ranking of at least the best n) not in `exclude`.
  Result<std::vector<const Attempt*>> pick(size_t k, const std::vector<int>& exclude,
                                           const std::function<Result<std::vector<Match>>(size_t)>& rank) const;

  std::vector<Attempt> m_attempts;
  TfIdfIndex m_index;
};

/// Markdown lines for the prompt, one bullet per attempt in the given order:
///   - #12 discarded (score 41.2, Δ +0.3): hypothesis text — why: detail
/// The parenthesis holds what is known (score, delta, or neither); "— why:" appears only with
/// a detail. Line breaks inside the texts become spaces, and the hypothesis and the detail
/// are each cut to about 300 characters with "…", so one attempt is one bounded line.
std::string format_attempts(const std::vector<const Attempt*>& attempts);

}  // namespace anneal::knowledge
