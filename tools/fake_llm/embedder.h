// The fake's embedding model, `fake-embed`: a deterministic bag of hashed character n-grams.
// Texts that share word pieces ("filler" in "fillerwords") come out close; it knows no
// synonyms, so it is a stand-in for the wire format and for caching, not for a real model's
// quality.
#pragma once

#include <cctype>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "text.h"

namespace anneal::fake_llm {

/// Dimensions of a fake-embed vector.
inline constexpr size_t k_embedding_dimensions = 256;

/// The text's vector: every character trigram of each lower-cased word (padded with a space
/// on both sides, so "go" still yields " go" and "go "), hashed (FNV-1a) into one of
/// k_embedding_dimensions buckets with a hashed sign, then L2-normalised. A text with no
/// letters or digits is the zero vector.
inline std::vector<float> embed_text(std::string_view text) {
  std::vector<double> sums(k_embedding_dimensions, 0.0);
  std::string word;
  auto flush = [&] {
    if (word.empty())
      return;
    std::string padded = " " + word + " ";
    for (size_t i = 0; i + 3 <= padded.size(); ++i) {
      uint64_t h = stable_hash(std::string_view(padded).substr(i, 3));
      sums[h % k_embedding_dimensions] += (h >> 63) != 0 ? -1.0 : 1.0;
    }
    word.clear();
  };
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else
      flush();
  }
  flush();
  double norm = 0;
  for (double x : sums)
    norm += x * x;
  norm = std::sqrt(norm);
  std::vector<float> vector(k_embedding_dimensions, 0.0f);
  if (norm > 0)
    for (size_t i = 0; i < k_embedding_dimensions; ++i)
      vector[i] = static_cast<float>(sums[i] / norm);
  return vector;
}

}  // namespace anneal::fake_llm
