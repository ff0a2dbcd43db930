#include "nodes/strategy_decision.h"

#include <cmath>
#include <string>

#include <catch2/catch.hpp>

using namespace anneal;
using namespace anneal::nodes;
using nlohmann::json;

namespace {

StrategyCandidate candidate(double fitness, std::string commit = "c-new", int id = 9) {
  StrategyCandidate c;
  c.id = id;
  c.commit = std::move(commit);
  c.fitness = fitness;
  return c;
}

json island(int capacity, json members, int number = 1) {
  return {{"strategy", "population"}, {"island", number}, {"capacity", capacity}, {"members", std::move(members)}};
}

json member(int id, double fitness) {
  return {{"id", id}, {"commit", "c" + std::to_string(id)}, {"fitness", fitness}};
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("population: a candidate joins an island with room, replaces its least fit, or is refused",
          "[nodes][strategy]") {
  SECTION("room: any finite fitness joins") {
    auto v = strategy_verdict(island(3, json::array({member(1, 10), member(2, 20)})), candidate(-100), 0, false);
    REQUIRE(v);
    CHECK(v->accept);
    CHECK(v->reason == "-100 joins island 1 (2 of 3 places taken)");
  }
  SECTION("an empty island takes the first candidate") {
    auto v = strategy_verdict(island(2, json::array()), candidate(5), 0, false);
    REQUIRE(v);
    CHECK(v->accept);
    CHECK(has(v->reason, "0 of 2 places taken"));
  }
  SECTION("full: a fitter candidate replaces the least fit") {
    auto v = strategy_verdict(island(2, json::array({member(1, 10), member(2, 20)})), candidate(15), 0, false);
    REQUIRE(v);
    CHECK(v->accept);
    CHECK(v->reason == "15 replaces the least fit of island 1 (10)");
  }
  SECTION("full: a less fit candidate is refused") {
    auto v = strategy_verdict(island(2, json::array({member(1, 10), member(2, 20)})), candidate(9), 0, false);
    REQUIRE(v);
    CHECK_FALSE(v->accept);
    CHECK(v->reason == "9 does not beat the least fit of island 1 (10)");
  }
  SECTION("full: a tie with the least fit stays out (the older member stays)") {
    auto v = strategy_verdict(island(2, json::array({member(1, 10), member(2, 20)})), candidate(10), 0, false);
    REQUIRE(v);
    CHECK_FALSE(v->accept);
  }
  SECTION("minimize: reasons show scores, not fitnesses") {
    // Scores 10 and 20 minimised are fitnesses -10 and -20; a score of 12 beats 20.
    auto v = strategy_verdict(island(2, json::array({member(1, -10), member(2, -20)})), candidate(-12), 0, true);
    REQUIRE(v);
    CHECK(v->accept);
    CHECK(v->reason == "12 replaces the least fit of island 1 (20)");
  }
  SECTION("a commit already on the island does not enter again") {
    auto v = strategy_verdict(island(3, json::array({member(1, 10)})), candidate(50, "c1"), 0, false);
    REQUIRE(v);
    CHECK_FALSE(v->accept);
  }
}

TEST_CASE("population: an immigrant (a restart) enters through a replacement tournament", "[nodes][strategy]") {
  json reference = island(2, json::array({member(1, 10), member(2, 20)}));
  reference["immigrants"] = json::array({1});
  reference["tournament"] = 2;
  reference["seed"] = 77;
  SECTION("an immigrant draft less fit than the least fit still enters, ousting the least fit drawn") {
    StrategyCandidate c = candidate(3);
    c.draft = 1;
    auto v = strategy_verdict(reference, c, 0, false);
    REQUIRE(v);
    CHECK(v->accept);
    CHECK(v->reason == "immigrant 3 replaces #1 (10), the least fit of a tournament of 2 on island 1");
  }
  SECTION("the same candidate as another draft is an ordinary one and is refused") {
    StrategyCandidate c = candidate(3);
    c.draft = 0;
    auto v = strategy_verdict(reference, c, 0, false);
    REQUIRE(v);
    CHECK_FALSE(v->accept);
    CHECK(v->reason == "3 does not beat the least fit of island 1 (10)");
  }
  SECTION("a tournament of one that draws the fittest lets nobody out, whatever the seed") {
    reference["tournament"] = 1;
    int refused = 0;
    for (int seed = 0; seed < 40; ++seed) {
      reference["seed"] = seed;
      StrategyCandidate c = candidate(3);
      c.draft = 1;
      auto v = strategy_verdict(reference, c, 0, false);
      REQUIRE(v);
      if (!v->accept) {
        ++refused;
        CHECK(has(v->reason, "does not enter island 1"));
      }
    }
    CHECK(refused > 0);
    CHECK(refused < 40);
  }
  SECTION("an immigrant reference without its tournament is an error") {
    reference.erase("tournament");
    StrategyCandidate c = candidate(3);
    c.draft = 1;
    CHECK_FALSE(strategy_verdict(reference, c, 0, false));
  }
}

TEST_CASE("pareto: a candidate enters the front unless a member dominates or equals it", "[nodes][strategy]") {
  json front = {{"strategy", "pareto"},
                {"front",
                 {{"members", json::array({{{"id", 1}, {"commit", "a"}, {"point", {1.0, 5.0}}},
                                           {{"id", 2}, {"commit", "b"}, {"point", {3.0, 3.0}}},
                                           {{"id", 3}, {"commit", "c"}, {"point", {5.0, 1.0}}}})}}}};
  auto with_point = [](std::vector<double> point) {
    StrategyCandidate c = candidate(point.front());
    c.point = std::move(point);
    return c;
  };
  SECTION("a trade-off no member dominates enters") {
    auto v = strategy_verdict(front, with_point({2, 4.5}), 0, false);
    REQUIRE(v);
    CHECK(v->accept);
    CHECK(v->reason == "not dominated by the front of 3; it dominates 0 of them");
  }
  SECTION("a point dominating two members enters and says so") {
    auto v = strategy_verdict(front, with_point({3.5, 5}), 0, false);
    REQUIRE(v);
    CHECK(v->accept);
    CHECK(v->reason == "not dominated by the front of 3; it dominates 2 of them");
  }
  SECTION("a dominated point is refused") {
    auto v = strategy_verdict(front, with_point({2.9, 2.9}), 0, false);
    REQUIRE(v);
    CHECK_FALSE(v->accept);
    CHECK(v->reason == "dominated by (or equal to) a member of the front of 3");
  }
  SECTION("a point equal to a member is refused: nothing new") {
    auto v = strategy_verdict(front, with_point({3, 3}), 0, false);
    REQUIRE(v);
    CHECK_FALSE(v->accept);
  }
  SECTION("an empty front takes the first point") {
    auto v = strategy_verdict({{"strategy", "pareto"}, {"front", {{"members", json::array()}}}}, with_point({0, 0}),
                              0, false);
    REQUIRE(v);
    CHECK(v->accept);
  }
  SECTION("a candidate without objective values is an error, not a verdict") {
    auto v = strategy_verdict(front, candidate(3), 0, false);
    REQUIRE_FALSE(v);
    CHECK(has(v.error().message, "no objective values"));
  }
}

TEST_CASE("tree: a candidate is kept when it beats its parent by more than min_improvement", "[nodes][strategy]") {
  json maximize_parent = {{"strategy", "tree"}, {"parent_fitness", 10.0}};
  SECTION("better than the parent") {
    auto v = strategy_verdict(maximize_parent, candidate(10.5), 0, false);
    REQUIRE(v);
    CHECK(v->accept);
    CHECK(v->reason == "10.5 beats its parent's 10");
  }
  SECTION("equal to the parent is not better") {
    auto v = strategy_verdict(maximize_parent, candidate(10), 0, false);
    REQUIRE(v);
    CHECK_FALSE(v->accept);
    CHECK(v->reason == "10 does not beat its parent's 10");
  }
  SECTION("min_improvement: a small gain is not enough, a large one is") {
    auto small = strategy_verdict(maximize_parent, candidate(10.5), 1, false);
    auto large = strategy_verdict(maximize_parent, candidate(11.5), 1, false);
    REQUIRE(small);
    REQUIRE(large);
    CHECK_FALSE(small->accept);
    CHECK(small->reason == "10.5 does not beat its parent's 10 + 1");
    CHECK(large->accept);
  }
  SECTION("minimize: lower scores win, min_improvement in score units") {
    json parent = {{"strategy", "tree"}, {"parent_fitness", -10.0}};  // a score of 10
    auto small = strategy_verdict(parent, candidate(-9.5), 1, true);   // 9.5: only 0.5 better
    auto large = strategy_verdict(parent, candidate(-8.5), 1, true);   // 8.5: 1.5 better
    auto worse = strategy_verdict(parent, candidate(-11), 0, true);    // 11
    REQUIRE(small);
    REQUIRE(large);
    REQUIRE(worse);
    CHECK_FALSE(small->accept);
    CHECK(large->accept);
    CHECK(has(large->reason, "8.5 beats its parent's 10"));
    CHECK_FALSE(worse->accept);
    CHECK(has(worse->reason, "11 does not beat its parent's 10"));
  }
  SECTION("a parent without a score: anything scored is kept") {
    auto v = strategy_verdict({{"strategy", "tree"}, {"parent_fitness", nullptr}}, candidate(-1e9), 0, false);
    REQUIRE(v);
    CHECK(v->accept);
    CHECK(v->reason == "the parent has no score");
  }
}

// For a minimised objective the bar is the parent's score minus min_improvement: the reason
// must not say "10 + 1" where the threshold is 9.
TEST_CASE("tree: a minimised objective's reason shows the bar below the parent", "[nodes][strategy]") {
  auto v = strategy_verdict({{"strategy", "tree"}, {"parent_fitness", -10.0}}, candidate(-9.5), 1, true);
  REQUIRE(v);
  CHECK_FALSE(v->accept);
  CHECK_FALSE(has(v->reason, "10 + 1"));
  CHECK(has(v->reason, "10 - 1"));
}

TEST_CASE("elites: a candidate enters an empty cell or beats the cell's elite", "[nodes][strategy]") {
  // Two axes: [0, 1] in 2 bins and [0, 10] in 5 bins. Cell "0,1" holds fitness 5.
  json archive = {{"strategy", "elites"},
                  {"archive",
                   {{"descriptors", json::array({{{"name", "a"}, {"min", 0}, {"max", 1}, {"bins", 2}},
                                                 {{"name", "b"}, {"min", 0}, {"max", 10}, {"bins", 5}}})},
                    {"cells",
                     {{"0,1",
                       {{"id", 3}, {"commit", "e3"}, {"fitness", 5.0}, {"behaviour", {0.2, 3.0}}}}}}}}};
  auto at = [](double fitness, std::vector<double> behaviour) {
    StrategyCandidate c = candidate(fitness);
    c.behaviour = std::move(behaviour);
    return c;
  };
  SECTION("an empty cell takes any candidate") {
    auto v = strategy_verdict(archive, at(-100, {0.9, 3.0}), 0, false);
    REQUIRE(v);
    CHECK(v->accept);
    CHECK(v->reason == "fills the empty cell (1,1)");
  }
  SECTION("a fitter candidate replaces the cell's elite") {
    auto v = strategy_verdict(archive, at(6, {0.4, 2.5}), 0, false);
    REQUIRE(v);
    CHECK(v->accept);
    CHECK(v->reason == "6 beats the elite of cell (0,1) at 5");
  }
  SECTION("a less fit (or equally fit) candidate is refused") {
    auto worse = strategy_verdict(archive, at(4, {0.0, 2.0}), 0, false);
    auto tie = strategy_verdict(archive, at(5, {0.0, 2.0}), 0, false);
    REQUIRE(worse);
    REQUIRE(tie);
    CHECK_FALSE(worse->accept);
    CHECK(worse->reason == "4 does not beat the elite of cell (0,1) at 5");
    CHECK_FALSE(tie->accept);
  }
  SECTION("minimize: reasons show scores") {
    auto v = strategy_verdict(archive, at(4, {0.0, 2.0}), 0, true);
    REQUIRE(v);
    CHECK(v->reason == "-4 does not beat the elite of cell (0,1) at -5");
  }
  SECTION("values outside an axis are clamped into its end cells") {
    auto v = strategy_verdict(archive, at(6, {-3, 1e6}), 0, false);
    REQUIRE(v);
    CHECK(v->accept);
    CHECK(v->reason == "fills the empty cell (0,4)");
  }
  SECTION("a missing behaviour value places the candidate nowhere") {
    auto v = strategy_verdict(archive, at(100, {0.5, NAN}), 0, false);
    REQUIRE(v);
    CHECK_FALSE(v->accept);
    CHECK(has(v->reason, "no behaviour cell"));
  }
}

TEST_CASE("a malformed reference is an error naming what is wrong", "[nodes][strategy]") {
  StrategyCandidate c = candidate(1);
  c.point = {1, 1};
  c.behaviour = {0.5};
  SECTION("no strategy or an unknown one") {
    auto none = strategy_verdict(json::object(), c, 0, false);
    auto unknown = strategy_verdict({{"strategy", "greedy"}}, c, 0, false);
    REQUIRE_FALSE(none);
    REQUIRE_FALSE(unknown);
    CHECK(has(unknown.error().message, "unknown strategy reference 'greedy'"));
  }
  SECTION("population without capacity or with a broken member") {
    auto no_capacity = strategy_verdict({{"strategy", "population"}, {"members", json::array()}}, c, 0, false);
    auto bad_member = strategy_verdict(island(2, json::array({{{"id", "x"}, {"commit", "a"}, {"fitness", 1}}})), c,
                                       0, false);
    REQUIRE_FALSE(no_capacity);
    REQUIRE_FALSE(bad_member);
    CHECK(has(no_capacity.error().message, "population reference"));
    CHECK(has(bad_member.error().message, "population reference"));
  }
  SECTION("pareto without a front, or a front whose members dominate each other") {
    auto missing = strategy_verdict({{"strategy", "pareto"}}, c, 0, false);
    json broken = {{"strategy", "pareto"},
                   {"front",
                    {{"members", json::array({{{"id", 1}, {"commit", "a"}, {"point", {1.0, 1.0}}},
                                              {{"id", 2}, {"commit", "b"}, {"point", {2.0, 2.0}}}})}}}};
    auto dominated = strategy_verdict(broken, c, 0, false);
    REQUIRE_FALSE(missing);
    REQUIRE_FALSE(dominated);
    CHECK(has(missing.error().message, "pareto front"));
    CHECK(has(dominated.error().message, "pareto front"));
  }
  SECTION("elites without an archive, or an elite in the wrong cell") {
    auto missing = strategy_verdict({{"strategy", "elites"}}, c, 0, false);
    json wrong = {{"strategy", "elites"},
                  {"archive",
                   {{"descriptors", json::array({{{"name", "a"}, {"min", 0}, {"max", 1}, {"bins", 2}}})},
                    {"cells", {{"0", {{"id", 1}, {"commit", "a"}, {"fitness", 1.0}, {"behaviour", {0.9}}}}}}}}};
    auto misplaced = strategy_verdict(wrong, c, 0, false);
    REQUIRE_FALSE(missing);
    REQUIRE_FALSE(misplaced);
    CHECK(has(missing.error().message, "elite archive"));
    CHECK(has(misplaced.error().message, "elite archive"));
  }
}
