#include "knowledge/tfidf_index.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <unordered_set>

namespace anneal::knowledge {

namespace {

/// Words that carry no topic: a common English list plus the modal verbs hypotheses use.
constexpr std::array k_stop_words = {
    "about",   "above",  "after",   "again", "against", "all",   "also",    "am",     "an",     "and",
    "because", "any",    "are",     "as",    "at",      "be",    "been",    "before", "being",  "below",
    "between", "both",   "but",     "by",    "can",     "could", "did",     "do",     "does",   "doing",
    "down",    "during", "each",    "few",   "for",     "from",  "further", "had",    "has",    "have",
    "having",  "he",     "her",     "here",  "hers",    "him",   "his",     "how",    "if",     "in",
    "into",    "is",     "it",      "its",   "itself",  "just",  "may",     "me",     "might",  "more",
    "most",    "must",   "my",      "no",    "nor",     "not",   "now",     "of",     "on",     "once",
    "only",    "or",     "other",   "our",   "ours",    "out",   "over",    "own",    "same",   "she",
    "should",  "so",     "some",    "such",  "than",    "that",  "the",     "their",  "theirs", "them",
    "then",    "there",  "these",   "they",  "this",    "those", "through", "to",     "too",    "under",
    "until",   "up",     "us",      "very",  "via",     "was",   "we",      "were",   "what",   "when",
    "where",   "which",  "while",   "who",   "whom",    "why",   "will",    "with",   "would",  "you",
    "your",    "yours",  "instead", "let",   "lets",
};

bool is_stop_word(std::string_view word) {
  static const std::unordered_set<std::string_view> k_set(k_stop_words.begin(), k_stop_words.end());
  return k_set.contains(word);
}

bool is_vowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

bool has_vowel(std::string_view s) {
  return std::any_of(s.begin(), s.end(), is_vowel);
}

bool ends_with(const std::string& word, std::string_view suffix) {
  return word.ends_with(suffix);
}

/// Replaces `suffix` with `replacement` when what is left before it is at least `min_stem`
/// letters long and, if `need_vowel`, contains a vowel ("string" is not "str" + "ing").
bool replace_suffix(std::string& word, std::string_view suffix, std::string_view replacement,
                    size_t min_stem = 2, bool need_vowel = false) {
  if (!word.ends_with(suffix) || word.size() < suffix.size() + min_stem)
    return false;
  std::string_view stem(word.data(), word.size() - suffix.size());
  if (need_vowel && !has_vowel(stem))
    return false;
  word.resize(stem.size());
  word += replacement;
  return true;
}

/// A light, deterministic suffix stemmer, enough for the word forms hypotheses use: plural,
/// then one verb/adverb/nominal ending, then a final "e" and a doubled final consonant, so
/// cache/caches/cached/caching → "cach", optimize/optimization → "optimiz",
/// setting/settings/set → "set". It is not Porter: a few unrelated words collide, which
/// costs retrieval less than paraphrases that never meet.
std::string stem(std::string word) {
  // Plurals and third person.
  if (!replace_suffix(word, "ies", "y")) {
    if (ends_with(word, "sses") || ends_with(word, "ches") || ends_with(word, "shes") ||
        ends_with(word, "xes") || ends_with(word, "zes"))
      replace_suffix(word, "es", "");
    else if (ends_with(word, "es"))
      replace_suffix(word, "s", "");  // "rules" → "rule", the final "e" goes below
    else if (!ends_with(word, "ss") && !ends_with(word, "us") && !ends_with(word, "is"))
      replace_suffix(word, "s", "");
  }
  // One derivational or inflectional ending.
  if (!replace_suffix(word, "ization", "iz") && !replace_suffix(word, "isation", "is") &&
      !replace_suffix(word, "ation", "at") && !replace_suffix(word, "ied", "y") &&
      !replace_suffix(word, "ing", "", 2, true) &&
      !(!ends_with(word, "eed") && replace_suffix(word, "ed", "", 2, true)))
    replace_suffix(word, "ly", "", 4);
  if (word.size() > 2 && word.back() == 'e')
    word.pop_back();
  // "running" → "runn" → "run"; "add" → "ad" as well, so "adding" and "add" meet.
  size_t n = word.size();
  if (n > 2 && word[n - 1] == word[n - 2] && !is_vowel(word[n - 1]) && word[n - 1] != 'l' &&
      word[n - 1] != 's' && word[n - 1] != 'z')
    word.pop_back();
  return word;
}

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::string word;
  auto flush = [&] {
    bool all_digits = std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
    bool all_letters = std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    if (!word.empty() && (all_digits || word.size() >= 2) && !is_stop_word(word))
      tokens.push_back(all_letters ? stem(std::move(word)) : std::move(word));
    word.clear();
  };
  for (char raw : text) {
    char c = ascii_lower(raw);
    if (is_ascii_alnum(c))
      word += c;
    else
      flush();
  }
  flush();
  return tokens;
}

double word_jaccard(std::string_view a, std::string_view b) {
  auto set_of = [](std::string_view text) {
    std::vector<std::string> tokens = tokenize(text);
    std::sort(tokens.begin(), tokens.end());
    tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
    return tokens;
  };
  std::vector<std::string> x = set_of(a);
  std::vector<std::string> y = set_of(b);
  std::vector<std::string> common;
  std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(common));
  size_t together = x.size() + y.size() - common.size();
  return together == 0 ? 0.0 : static_cast<double>(common.size()) / static_cast<double>(together);
}

namespace {

/// Term counts of a text, in term order so equal texts give equal vectors.
std::map<std::string, size_t> term_counts(std::string_view text) {
  std::map<std::string, size_t> counts;
  for (std::string& token : tokenize(text))
    ++counts[std::move(token)];
  return counts;
}

float sublinear_tf(size_t count) {
  return static_cast<float>(1.0 + std::log(static_cast<double>(count)));
}

}  // namespace

size_t TfIdfIndex::add(std::string_view text) {
  size_t doc = m_doc_terms.size();
  std::vector<std::pair<size_t, float>> terms;
  for (auto& [term, count] : term_counts(text)) {
    auto [it, inserted] = m_term_ids.try_emplace(term, m_postings.size());
    if (inserted)
      m_postings.emplace_back();
    float tf = sublinear_tf(count);
    m_postings[it->second].push_back(Posting{doc, tf});
    terms.emplace_back(it->second, tf);
  }
  m_doc_terms.push_back(std::move(terms));
  return doc;
}

double TfIdfIndex::idf(size_t term) const {
  double n = static_cast<double>(m_doc_terms.size());
  double df = static_cast<double>(m_postings[term].size());
  return std::log((1.0 + n) / (1.0 + df)) + 1.0;
}

void TfIdfIndex::refresh_norms() const {
  if (m_norms_for == m_doc_terms.size() && m_norms.size() == m_doc_terms.size())
    return;
  std::vector<double> idfs(m_postings.size());
  for (size_t term = 0; term < m_postings.size(); ++term)
    idfs[term] = idf(term);
  m_norms.assign(m_doc_terms.size(), 0.0);
  for (size_t doc = 0; doc < m_doc_terms.size(); ++doc) {
    double sum = 0;
    for (auto [term, tf] : m_doc_terms[doc]) {
      double weight = tf * idfs[term];
      sum += weight * weight;
    }
    m_norms[doc] = std::sqrt(sum);
  }
  m_norms_for = m_doc_terms.size();
}

std::vector<Match> TfIdfIndex::query(std::string_view text, size_t k) const {
  if (k == 0 || m_doc_terms.empty())
    return {};
  refresh_norms();

  // The query's weights, over the terms the index knows (others add only to its norm).
  double query_norm_sq = 0;
  std::vector<std::pair<size_t, double>> weights;
  for (auto& [term, count] : term_counts(text)) {
    auto it = m_term_ids.find(term);
    double term_idf = it == m_term_ids.end() ? std::log(1.0 + static_cast<double>(m_doc_terms.size())) + 1.0
                                             : idf(it->second);
    double weight = sublinear_tf(count) * term_idf;
    query_norm_sq += weight * weight;
    if (it != m_term_ids.end())
      weights.emplace_back(it->second, weight);
  }
  if (weights.empty())
    return {};

  // Accumulate dot products over the postings of the query's terms only.
  std::vector<double> dot(m_doc_terms.size(), 0.0);
  std::vector<size_t> touched;
  for (auto [term, weight] : weights) {
    double term_idf = idf(term);
    for (const Posting& posting : m_postings[term]) {
      if (dot[posting.doc] == 0.0)
        touched.push_back(posting.doc);
      dot[posting.doc] += weight * posting.tf * term_idf;
    }
  }

  double query_norm = std::sqrt(query_norm_sq);
  std::vector<Match> matches;
  matches.reserve(touched.size());
  for (size_t doc : touched) {
    double score = dot[doc] / (query_norm * m_norms[doc]);
    if (score > 0)
      matches.push_back(Match{doc, std::min(score, 1.0)});
  }
  keep_best(matches, k);
  return matches;
}

void keep_best(std::vector<Match>& matches, size_t k) {
  auto better = [](const Match& a, const Match& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  };
  if (matches.size() > k) {
    std::partial_sort(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(k), matches.end(),
                      better);
    matches.resize(k);
  } else {
    std::sort(matches.begin(), matches.end(), better);
  }
}

}  // namespace anneal::knowledge
