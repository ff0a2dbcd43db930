#include "knowledge/knowledge_store.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using anneal::knowledge::Attempt;
using anneal::knowledge::format_attempts;
using anneal::knowledge::KnowledgeStore;

namespace {

KnowledgeStore sample_store() {
  KnowledgeStore store;
  store.add({1, "Cache tokenizer output between requests", "kept", 40.1, -1.5, ""});
  store.add({2, "Add an index on orders.customer_id", "discarded", 41.6, 0.0, ""});
  store.add({3, "Cache the tokenizer output per prompt template", "discarded", 40.4, 0.3, ""});
  store.add({4, "Rewrite the README intro in plain language", "rejected", std::nullopt, std::nullopt,
             "gate failed: spelling check"});
  store.add(
      {5, "Memoize tokenizer results in an LRU cache", "crashed", std::nullopt, std::nullopt, "segfault"});
  return store;
}

std::vector<int> ids(const std::vector<const Attempt*>& attempts) {
  std::vector<int> out;
  for (const Attempt* attempt : attempts)
    out.push_back(attempt->id);
  return out;
}

}  // namespace

TEST_CASE("KnowledgeStore finds the most similar past attempts", "[knowledge]") {
  KnowledgeStore store = sample_store();
  REQUIRE(store.size() == 5);
  const std::string query = "Cache the tokenizer's output for each request";

  SECTION("best first, unrelated attempts left out") {
    auto found = store.similar(query, 10);
    REQUIRE(found.size() == 3);
    CHECK(found[0]->id == 1);
    CHECK(ids(found) == std::vector<int>{1, 3, 5});
  }
  SECTION("k limits the list") {
    CHECK(ids(store.similar(query, 2)) == std::vector<int>{1, 3});
    CHECK(store.similar(query, 0).empty());
  }
  SECTION("excluded experiments give their places to the next ones") {
    CHECK(ids(store.similar(query, 2, {1})) == std::vector<int>{3, 5});
    CHECK(ids(store.similar(query, 2, {1, 3})) == std::vector<int>{5});
    CHECK(ids(store.similar(query, 2, {42})) == std::vector<int>{1, 3});
  }
  SECTION("the pointers stay valid data of the store") {
    auto found = store.similar("README plain language", 1);
    REQUIRE(found.size() == 1);
    CHECK(found[0]->outcome == "rejected");
    CHECK(found[0]->detail == "gate failed: spelling check");
  }
}

TEST_CASE("format_attempts writes one bounded markdown bullet per attempt", "[knowledge]") {
  KnowledgeStore store = sample_store();

  SECTION("score, delta and why, as far as known") {
    std::vector<const Attempt*> attempts = {&store.attempts()[2], &store.attempts()[3], &store.attempts()[0]};
    CHECK(format_attempts(attempts) ==
          "- #3 discarded (score 40.4, Δ +0.3): Cache the tokenizer output per prompt template\n"
          "- #4 rejected: Rewrite the README intro in plain language — why: gate failed: spelling check\n"
          "- #1 kept (score 40.1, Δ -1.5): Cache tokenizer output between requests\n");
  }
  SECTION("a score without a parent") {
    Attempt baseline{0, "baseline", "kept", 12345.678, std::nullopt, ""};
    CHECK(format_attempts({&baseline}) == "- #0 kept (score 12345.7): baseline\n");
  }
  SECTION("line breaks become spaces and long texts are cut") {
    Attempt attempt{7,
                    "Split the\n  handler\tinto two\n",
                    "blocked",
                    std::nullopt,
                    std::nullopt,
                    std::string(1000, 'x') + "\nSECRET TAIL"};
    std::string line = format_attempts({&attempt});
    CHECK(line.starts_with("- #7 blocked: Split the handler into two — why: xxxx"));
    CHECK(line.ends_with("x…\n"));
    CHECK(line.find("SECRET") == std::string::npos);
    CHECK(std::count(line.begin(), line.end(), '\n') == 1);
    CHECK(line.size() < 400);
  }
  SECTION("a cut never splits a multi-byte character") {
    std::string accents;
    for (int i = 0; i < 400; ++i)
      accents += "é";
    Attempt attempt{8, accents, "discarded", std::nullopt, std::nullopt, ""};
    std::string line = format_attempts({&attempt});
    std::string body = line.substr(line.find(": ") + 2);
    CHECK(body.size() == 300 + std::string("…\n").size());
    CHECK(body.starts_with("éé"));
    CHECK(body.ends_with("é…\n"));
  }
  SECTION("no attempts, no lines") {
    CHECK(format_attempts({}).empty());
  }
}
