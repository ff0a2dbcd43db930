// knowledge: what past experiments tried and how they ended, retrieved by similarity, and
// what was learned across targets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace anneal::knowledge {

/// Lower-cased word tokens of `text`, with English stop words removed and a light suffix
/// stemming ("caching" and "cached" → "cach"), so paraphrases share terms.
std::vector<std::string> tokenize(std::string_view text);

/// Word-level Jaccard similarity of two texts' token sets: the baseline TF-IDF must beat.
double word_jaccard(std::string_view a, std::string_view b);

/// A match of a query against the index.
struct Match {
  size_t id = 0;     ///< the document's position in insertion order
  double score = 0;  ///< cosine similarity of TF-IDF vectors, in [0, 1]
};

/// Keeps the best `k` of `matches`, best first; ties go to the lower id.
void keep_best(std::vector<Match>& matches, size_t k);

/// TF-IDF vectors of a growing set of documents with cosine-similarity retrieval through an
/// inverted index: a query costs the postings of its terms, not the whole collection.
///
/// Weights: tf = 1 + ln(count of the term in the text) (sublinear, so a word repeated in one
/// hypothesis does not dominate it); idf = ln((1 + N) / (1 + df)) + 1 (smoothed, never 0, so a
/// term every document shares still counts a little). A document's weights depend on N and
/// df, which change with every add, so its vector norm is recomputed lazily, by the first
/// query after documents were added.
class TfIdfIndex {
 public:
  /// Adds a document; returns its id (0, 1, 2, …).
  size_t add(std::string_view text);
  size_t size() const { return m_doc_terms.size(); }
  /// The `k` documents most similar to `text` (score > 0), best first; ties by lower id.
  std::vector<Match> query(std::string_view text, size_t k) const;

 private:
  struct Posting {
    size_t doc;
    float tf;
  };
  double idf(size_t term) const;
  void refresh_norms() const;

  std::unordered_map<std::string, size_t> m_term_ids;
  std::vector<std::vector<Posting>> m_postings;                    ///< by term id
  std::vector<std::vector<std::pair<size_t, float>>> m_doc_terms;  ///< (term id, tf) by doc
  mutable std::vector<double> m_norms;  ///< recomputed when documents were added since
  mutable size_t m_norms_for = 0;
};

}  // namespace anneal::knowledge
