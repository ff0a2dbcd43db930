#include "knowledge/tfidf_index.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using anneal::knowledge::Match;
using anneal::knowledge::TfIdfIndex;
using anneal::knowledge::tokenize;
using anneal::knowledge::word_jaccard;
using Tokens = std::vector<std::string>;

TEST_CASE("tokenize lower-cases words and drops stop words and single letters", "[knowledge]") {
  SECTION("case and punctuation") {
    CHECK(tokenize("Caching the cached Responses!") == Tokens{"cach", "cach", "respons"});
    CHECK(tokenize("p99-latency/user_id") == Tokens{"p99", "latency", "user", "id"});
  }
  SECTION("digits are kept, single letters are not") {
    CHECK(tokenize("a b 5 x2 10") == Tokens{"5", "x2", "10"});
  }
  SECTION("only stop words") {
    CHECK(tokenize("The model should do this, and it would be there.").size() == 1);
    CHECK(tokenize("the of and to it is").empty());
  }
  SECTION("non-ASCII bytes separate words") {
    CHECK(tokenize("caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9") == Tokens{"caf", "sum"});
  }
  SECTION("empty") {
    CHECK(tokenize("").empty());
    CHECK(tokenize("  ,;  ").empty());
  }
}

TEST_CASE("tokenize stems the forms of a word to one term", "[knowledge]") {
  auto stem = [](const char* word) {
    Tokens tokens = tokenize(word);
    REQUIRE(tokens.size() == 1);
    return tokens[0];
  };
  auto family = GENERATE(values<std::pair<const char*, std::vector<const char*>>>({
      {"cach", {"cache", "caches", "cached", "caching"}},
      {"optimiz", {"optimize", "optimizes", "optimized", "optimizing", "optimization", "optimizations"}},
      {"query", {"query", "queries", "queried", "querying"}},
      {"index", {"index", "indexes", "indexed", "indexing"}},
      {"set", {"set", "sets", "setting", "settings"}},
      {"run", {"run", "runs", "running"}},
      {"validat", {"validate", "validates", "validated", "validating", "validation"}},
      {"reduc", {"reduce", "reduces", "reduced", "reducing"}},
      {"process", {"process", "processes", "processing"}},
      {"quick", {"quick", "quickly"}},
      {"string", {"string", "strings"}},
      {"status", {"status"}},
  }));
  for (const char* word : family.second) {
    INFO(word);
    CHECK(stem(word) == family.first);
  }
}

TEST_CASE("word_jaccard compares token sets", "[knowledge]") {
  CHECK(word_jaccard("reduce the prompt length", "Reducing prompt length.") == 1.0);
  CHECK(word_jaccard("reduce prompt length", "shorter prompt") == Approx(1.0 / 4));
  CHECK(word_jaccard("cache eviction", "retry backoff") == 0.0);
  CHECK(word_jaccard("", "") == 0.0);
  CHECK(word_jaccard("the", "of") == 0.0);
}

namespace {

std::vector<size_t> ids(const std::vector<Match>& matches) {
  std::vector<size_t> out;
  for (const Match& match : matches)
    out.push_back(match.id);
  return out;
}

}  // namespace

TEST_CASE("TfIdfIndex ranks a paraphrase above a text sharing only common words", "[knowledge]") {
  TfIdfIndex index;
  index.add("Improve the system prompt wording to be more polite");                    // 0
  index.add("Improve the prompt so the answers cite sources");                         // 1
  index.add("Improve prompt clarity by adding a summary line");                        // 2
  index.add("Shorten the system prompt by dropping the redundant few-shot examples");  // 3
  index.add("Improve the SQL query plan with an index on user_id");                    // 4
  auto matches = index.query("Improve the prompt: remove redundant examples to make it shorter", 5);
  REQUIRE(matches.size() == 5);
  CHECK(matches[0].id == 3);
  CHECK(matches[4].id == 4);  // shares only "improve"
}

TEST_CASE("TfIdfIndex weighs a rare shared term above a common one", "[knowledge]") {
  TfIdfIndex index;
  for (int i = 0; i < 20; ++i)
    index.add("improve throughput of worker " + std::to_string(i));
  size_t common = index.add("improve error messages");
  size_t rare = index.add("eviction order of entries");
  // Word Jaccard cannot tell them apart: each shares one term of three with the query.
  REQUIRE(word_jaccard("improve cache eviction", "improve error messages") ==
          word_jaccard("improve cache eviction", "eviction order of entries"));
  auto matches = index.query("improve cache eviction", 30);
  REQUIRE(matches.size() >= 2);
  CHECK(matches[0].id == rare);
  auto common_match =
      std::find_if(matches.begin(), matches.end(), [&](const Match& m) { return m.id == common; });
  REQUIRE(common_match != matches.end());
  CHECK(common_match->score < matches[0].score);
}

TEST_CASE("TfIdfIndex returns at most k matches with a positive score, best first", "[knowledge]") {
  TfIdfIndex index;
  index.add("batch the database writes");     // 0
  index.add("batch the database writes");     // 1, identical: a tie
  index.add("batch http requests");           // 2
  index.add("translate the docs to french");  // 3
  SECTION("identical documents score 1 and tie by lower id") {
    auto matches = index.query("batch the database writes", 10);
    REQUIRE(matches.size() == 3);
    CHECK(ids(matches) == std::vector<size_t>{0, 1, 2});
    CHECK(matches[0].score == Approx(1.0));
    CHECK(matches[1].score == Approx(1.0));
    CHECK(matches[2].score < matches[1].score);
    CHECK(matches[2].score > 0.0);
  }
  SECTION("k cuts the list") {
    CHECK(ids(index.query("batch the database writes", 1)) == std::vector<size_t>{0});
    CHECK(index.query("batch the database writes", 0).empty());
  }
  SECTION("nothing in common, or nothing but stop words") {
    CHECK(index.query("vectorize the inner loop", 5).empty());
    CHECK(index.query("the of and", 5).empty());
  }
  SECTION("an empty index") {
    CHECK(TfIdfIndex().query("batch", 5).empty());
  }
}

TEST_CASE("TfIdfIndex sees documents added after a query", "[knowledge]") {
  TfIdfIndex index;
  index.add("retry failed requests with backoff");
  REQUIRE(index.query("cache the token counts", 5).empty());
  size_t added = index.add("cache token counts per prompt");
  auto matches = index.query("cache the token counts", 5);
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].id == added);
  CHECK(matches[0].score > 0.5);
}

namespace {

/// Deterministic pseudo-random words, so the big test is the same on every run.
struct Words {
  uint64_t state = 12345;
  size_t next(size_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>((state >> 33) % n);
  }
  std::string word() {
    static const char* k_syllables[] = {"ka", "lo", "mi", "nu", "te", "ra",
                                        "po", "si", "vu", "de", "ba", "go"};
    std::string w;
    for (int i = 0; i < 3; ++i)
      w += k_syllables[next(12)];
    return w;
  }
  std::string text() {
    std::string t;
    size_t n = 3 + next(10);
    for (size_t i = 0; i < n; ++i)
      t += word() + (next(4) == 0 ? ", the " : " ");
    return t;
  }
};

/// Cosine similarity computed the slow way, from the formulas TfIdfIndex documents.
struct Reference {
  std::vector<std::map<std::string, double>> tfs;
  std::map<std::string, size_t> df;

  void add(const std::string& text) {
    std::map<std::string, double> counts;
    for (const std::string& token : tokenize(text))
      counts[token] += 1;
    for (auto& [term, count] : counts) {
      count = 1 + std::log(count);
      ++df[term];
    }
    tfs.push_back(std::move(counts));
  }
  std::map<std::string, double> vector_of(const std::map<std::string, double>& tf) const {
    std::map<std::string, double> v;
    double n = static_cast<double>(tfs.size());
    for (auto& [term, value] : tf) {
      auto it = df.find(term);
      double d = it == df.end() ? 0 : static_cast<double>(it->second);
      v[term] = value * (std::log((1 + n) / (1 + d)) + 1);
    }
    return v;
  }
  double score(const std::string& query, size_t doc) const {
    Reference one;
    one.add(query);
    auto q = vector_of(one.tfs[0]);
    auto d = vector_of(tfs[doc]);
    double dot = 0, qq = 0, dd = 0;
    for (auto& [term, w] : q) {
      qq += w * w;
      if (auto it = d.find(term); it != d.end())
        dot += w * it->second;
    }
    for (auto& [term, w] : d)
      dd += w * w;
    return qq == 0 || dd == 0 ? 0 : dot / std::sqrt(qq * dd);
  }
};

void check_against_reference(const TfIdfIndex& index, const Reference& reference, const std::string& query) {
  INFO("query: " << query);
  auto matches = index.query(query, 10);
  std::vector<double> expected;
  for (size_t doc = 0; doc < reference.tfs.size(); ++doc)
    if (double s = reference.score(query, doc); s > 0)
      expected.push_back(s);
  std::sort(expected.begin(), expected.end(), std::greater<>());
  expected.resize(std::min<size_t>(expected.size(), 10));
  REQUIRE(matches.size() == expected.size());
  for (size_t i = 0; i < matches.size(); ++i) {
    CHECK(matches[i].score == Approx(expected[i]).epsilon(1e-5));
    CHECK(matches[i].score == Approx(reference.score(query, matches[i].id)).epsilon(1e-5));
    if (i > 0)
      CHECK(matches[i - 1].score >= matches[i].score);
  }
}

}  // namespace

TEST_CASE("TfIdfIndex over 10,000 documents agrees with a brute-force cosine", "[knowledge]") {
  Words words;
  TfIdfIndex index;
  Reference reference;
  std::vector<std::string> texts;
  for (int i = 0; i < 10000; ++i) {
    texts.push_back(words.text());
    CHECK(index.add(texts.back()) == static_cast<size_t>(i));
    reference.add(texts.back());
  }
  REQUIRE(index.size() == 10000);
  for (int q = 0; q < 10; ++q) {
    std::string query = q % 2 == 0 ? texts[words.next(texts.size())] : words.text();
    check_against_reference(index, reference, query);
  }
  // Adding documents changes every idf and so every norm: the next query must see that.
  for (int i = 0; i < 200; ++i) {
    std::string text = texts[0] + " " + words.word();
    index.add(text);
    reference.add(text);
  }
  check_against_reference(index, reference, texts[0]);
  check_against_reference(index, reference, words.text());
}
