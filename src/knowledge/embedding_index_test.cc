#include "knowledge/embedding_index.h"

#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "knowledge/knowledge_store.h"
#include "knowledge/learning_pool.h"
#include "temp_dir.h"

using anneal::Result;
using anneal::knowledge::Attempt;
using anneal::knowledge::cosine;
using anneal::knowledge::Embed;
using anneal::knowledge::KnowledgeStore;
using anneal::knowledge::LearningPool;
using anneal::knowledge::nearest;
using anneal::knowledge::nearest_by_embedding;
using anneal::knowledge::Vector;
using anneal::testing::TempDir;

namespace {

/// An embedder by table, counting its calls: what a model would answer for these texts.
struct TableEmbedder {
  std::map<std::string, Vector> table;
  int calls = 0;
  bool broken = false;

  Embed function() {
    return [this](const std::vector<std::string>& texts) -> Result<std::vector<Vector>> {
      ++calls;
      if (broken)
        return anneal::fail("HTTP 503 server_error: down");
      std::vector<Vector> out;
      for (const auto& text : texts)
        out.push_back(table.contains(text) ? table.at(text) : Vector{0, 0, 1});
      return out;
    };
  }
};

}  // namespace

TEST_CASE("cosine and nearest rank vectors by angle, never by length", "[knowledge][embeddings]") {
  CHECK(cosine({1, 0}, {2, 0}) == Approx(1));
  CHECK(cosine({1, 0}, {0, 3}) == Approx(0));
  CHECK(cosine({1, 1}, {-1, -1}) == Approx(-1));
  CHECK(cosine({0, 0}, {1, 0}) == 0);      // a zero vector matches nothing
  CHECK(cosine({1, 0}, {1, 0, 0}) == 0);   // nor does a vector of another model
  CHECK(cosine({}, {}) == 0);

  std::vector<Vector> documents = {{0, 1}, {1, 1}, {5, 0}, {-1, 0}, {2, 2}};
  auto top = nearest({1, 0}, documents, 3);
  REQUIRE(top.size() == 3);
  CHECK(top[0].id == 2);
  CHECK(top[1].id == 1);  // a tie with 4: the lower id first
  CHECK(top[2].id == 4);
  CHECK(top[1].score == Approx(top[2].score));
  CHECK(nearest({1, 0}, documents, 10).size() == 3);  // 0 and 3 have no positive similarity
  CHECK(nearest({1, 0}, documents, 0).empty());
}

TEST_CASE("nearest_by_embedding embeds the query with the documents in one call", "[knowledge][embeddings]") {
  TableEmbedder model;
  model.table = {{"speed up the parser", {1, 0, 0}}, {"faster parsing", {0.9f, 0.1f, 0}}, {"translate docs", {0, 1, 0}}};
  auto found = nearest_by_embedding(model.function(), "speed up the parser", {"translate docs", "faster parsing"}, 5);
  REQUIRE(found);
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].id == 1);
  CHECK(model.calls == 1);
  model.broken = true;
  auto failed = nearest_by_embedding(model.function(), "x", {"y"}, 5);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message == "HTTP 503 server_error: down");
}

TEST_CASE("KnowledgeStore and LearningPool rank by embeddings when given an embedder", "[knowledge][embeddings]") {
  TableEmbedder model;
  // Paraphrases that share no word: TF-IDF cannot see that they are the same idea.
  model.table = {{"memoize the tokenizer", {1, 0, 0}},
                 {"keep token lists of repeated prompts", {0.95f, 0.05f, 0}},
                 {"shorten the README", {0, 1, 0}}};
  KnowledgeStore store;
  store.add({1, "shorten the README", "kept", 3.0, -1.0, ""});
  store.add({2, "keep token lists of repeated prompts", "discarded", 4.0, 0.0, ""});
  CHECK(store.similar("memoize the tokenizer", 5).empty());
  auto similar = store.similar(model.function(), "memoize the tokenizer", 5);
  REQUIRE(similar);
  REQUIRE(similar->size() == 1);
  CHECK((*similar)[0]->id == 2);
  auto excluded = store.similar(model.function(), "memoize the tokenizer", 5, {2});
  REQUIRE(excluded);
  CHECK(excluded->empty());

  TempDir dir;
  LearningPool pool(dir.path() / "learnings.jsonl");
  // The same lesson from another domain first, then from the asking one.
  REQUIRE(pool.add({"sql", "shop/queries", "keep token lists of repeated prompts", "t"}));
  REQUIRE(pool.add({"prompts", "bot/answers", "keep token lists of repeated prompts", "t"}));
  REQUIRE(pool.add({"prompts", "bot/answers", "shorten the README", "t"}));
  auto lessons = pool.relevant(model.function(), "prompts", "memoize the tokenizer", 5, 0.5);
  REQUIRE(lessons);
  REQUIRE(lessons->size() == 2);
  CHECK((*lessons)[0].learning.source == "bot/answers");
  CHECK((*lessons)[0].same_domain);
  CHECK((*lessons)[1].learning.source == "shop/queries");
  CHECK_FALSE((*lessons)[1].same_domain);
  CHECK((*lessons)[1].similarity == Approx((*lessons)[0].similarity));
  CHECK((*lessons)[1].score == Approx((*lessons)[0].score * 0.5));

  model.broken = true;
  CHECK_FALSE(store.similar(model.function(), "memoize the tokenizer", 5));
  CHECK_FALSE(pool.relevant(model.function(), "prompts", "memoize the tokenizer", 5));
}
