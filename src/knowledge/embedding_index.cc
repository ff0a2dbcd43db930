#include "knowledge/embedding_index.h"

#include <algorithm>
#include <cmath>

namespace anneal::knowledge {

double cosine(const Vector& a, const Vector& b) {
  if (a.size() != b.size() || a.empty())
    return 0;
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  if (na == 0 || nb == 0)
    return 0;
  return std::clamp(dot / (std::sqrt(na) * std::sqrt(nb)), -1.0, 1.0);
}

std::vector<Match> nearest(const Vector& query, const std::vector<Vector>& documents, size_t k) {
  std::vector<Match> matches;
  if (k == 0)
    return matches;
  for (size_t id = 0; id < documents.size(); ++id)
    if (double score = cosine(query, documents[id]); score > 0)
      matches.push_back(Match{id, score});
  keep_best(matches, k);
  return matches;
}

Result<std::vector<Match>> nearest_by_embedding(const Embed& embed, std::string_view query,
                                                const std::vector<std::string>& documents, size_t k) {
  std::vector<std::string> texts;
  texts.reserve(documents.size() + 1);
  texts.emplace_back(query);
  texts.insert(texts.end(), documents.begin(), documents.end());
  auto vectors = embed(texts);
  if (!vectors)
    return std::unexpected(vectors.error());
  if (vectors->size() != texts.size())
    return fail("the embedder returned " + std::to_string(vectors->size()) + " vectors for " +
                std::to_string(texts.size()) + " texts");
  Vector query_vector = std::move(vectors->front());
  vectors->erase(vectors->begin());
  return nearest(query_vector, *vectors, k);
}

}  // namespace anneal::knowledge
