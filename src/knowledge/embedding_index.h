#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "knowledge/tfidf_index.h"
#include "util/error.h"

namespace anneal::knowledge {

/// A text's embedding, as an embedding model returned it.
using Vector = std::vector<float>;

/// Embeds texts with a model: one vector per text, in order (an empty text may get an empty
/// vector); an error when the model cannot be asked. graph/embedding_retrieval.h gives one
/// backed by an OpenAI-compatible endpoint and the cache.
using Embed = std::function<Result<std::vector<Vector>>(const std::vector<std::string>& texts)>;

/// Cosine similarity of two vectors; 0 when either is zero or their lengths differ.
double cosine(const Vector& a, const Vector& b);

/// The `k` documents most similar to `query` by cosine (score > 0), best first; ties by lower id.
std::vector<Match> nearest(const Vector& query, const std::vector<Vector>& documents, size_t k);

/// Embeds `query` and `documents` in one call of `embed` and returns the `k` nearest
/// documents, as `nearest` ranks them.
Result<std::vector<Match>> nearest_by_embedding(const Embed& embed, std::string_view query,
                                                const std::vector<std::string>& documents, size_t k);

}  // namespace anneal::knowledge
