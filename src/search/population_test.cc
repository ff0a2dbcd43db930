#include "search/population.h"

#include <limits>
#include <map>

#include <catch2/catch.hpp>

using anneal::Rng;
using namespace anneal::search;

namespace {

std::vector<int> ids(const std::vector<Member>& island) {
  std::vector<int> out;
  for (const Member& m : island)
    out.push_back(m.id);
  return out;
}

}  // namespace

TEST_CASE("tournament selection", "[search]") {
  // Index 1 is the fittest: tied with index 0 on fitness, but older.
  const std::vector<Member> members{{3, "c", 5.0}, {1, "a", 5.0}, {2, "b", 1.0}};
  Rng rng(1234);

  SECTION("size 1 picks uniformly") {
    std::map<size_t, int> wins;
    for (int i = 0; i < 3000; ++i)
      ++wins[*tournament(members, 1, rng)];
    for (size_t k = 0; k < 3; ++k)
      CHECK(wins[k] == Approx(1000).margin(150));
  }
  SECTION("size 0 counts as 1") {
    std::map<size_t, int> wins;
    for (int i = 0; i < 3000; ++i)
      ++wins[*tournament(members, 0, rng)];
    CHECK(wins[2] == Approx(1000).margin(150));
  }
  SECTION("size n (or more) always picks the fittest, ties to the lower id") {
    for (int i = 0; i < 500; ++i) {
      REQUIRE(tournament(members, 3, rng) == 1u);
      REQUIRE(tournament(members, 10, rng) == 1u);
    }
  }
  SECTION("size 2 draws two distinct members: the least fit never wins") {
    // Pairs {0,1}, {0,2}, {1,2} equally likely; 1 wins the first and third, 0 the second.
    std::map<size_t, int> wins;
    for (int i = 0; i < 3000; ++i)
      ++wins[*tournament(members, 2, rng)];
    CHECK(wins[2] == 0);
    CHECK(wins[1] == Approx(2000).margin(150));
    CHECK(wins[0] == Approx(1000).margin(150));
  }
  SECTION("the same seed draws the same winners") {
    Rng a(99), b(99);
    std::vector<size_t> first, second;
    for (int i = 0; i < 100; ++i) {
      first.push_back(*tournament(members, 2, a));
      second.push_back(*tournament(members, 2, b));
    }
    CHECK(first == second);
  }
  SECTION("an empty population has no winner") {
    CHECK_FALSE(tournament({}, 2, rng));
  }
}

TEST_CASE("Population.offer fills an island, then replaces its least fit member", "[search]") {
  Population population(2, 3);
  REQUIRE(population.islands.size() == 2);
  CHECK(population.offer(0, {1, "a", 1.0}));
  CHECK(population.offer(0, {2, "b", 1.0}));
  CHECK(population.offer(0, {3, "c", 5.0}));

  SECTION("a tie with the least fit: the newer candidate stays out") {
    CHECK_FALSE(population.offer(0, {4, "d", 1.0}));
    CHECK(ids(population.islands[0]) == std::vector<int>{1, 2, 3});
  }
  SECTION("a fitter candidate evicts the newest of the equally least fit") {
    CHECK(population.offer(0, {5, "e", 2.0}));
    CHECK(ids(population.islands[0]) == std::vector<int>{1, 3, 5});
  }
  SECTION("a tie won by an older candidate evicts the newer member") {
    CHECK(population.offer(0, {0, "z", 1.0}));
    CHECK(ids(population.islands[0]) == std::vector<int>{1, 3, 0});
  }
  SECTION("the same commit twice on an island is not entered again") {
    CHECK_FALSE(population.offer(0, {6, "c", 9.0}));
    CHECK(ids(population.islands[0]) == std::vector<int>{1, 2, 3});
    CHECK(population.offer(1, {6, "c", 9.0}));
  }
  SECTION("an island out of range or a non-finite fitness is refused") {
    CHECK_FALSE(population.offer(2, {7, "x", 9.0}));
    CHECK_FALSE(population.offer(1, {7, "x", std::numeric_limits<double>::quiet_NaN()}));
    CHECK_FALSE(population.offer(1, {7, "x", std::numeric_limits<double>::infinity()}));
    CHECK(population.islands[1].empty());
  }
  SECTION("the constructor keeps at least one island and a capacity of one") {
    Population tiny(0, 0);
    CHECK(tiny.islands.size() == 1);
    CHECK(tiny.capacity == 1);
  }
}

TEST_CASE("Population.migrate moves each island's fittest around the ring", "[search]") {
  SECTION("three islands, one empty") {
    Population population(3, 2);
    population.offer(0, {1, "a", 5.0});
    population.offer(0, {2, "b", 1.0});
    population.offer(1, {3, "c", 2.0});
    // a -> island 1, c -> island 2, the empty island sends nothing.
    CHECK(population.migrate() == 2);
    CHECK(ids(population.islands[1]) == std::vector<int>{3, 1});
    CHECK(ids(population.islands[2]) == std::vector<int>{3});
    // a is already on island 1; island 1's best (a) -> island 2; c -> island 0 replacing b.
    CHECK(population.migrate() == 2);
    CHECK(ids(population.islands[0]) == std::vector<int>{1, 3});
    CHECK(ids(population.islands[2]) == std::vector<int>{3, 1});
  }
  SECTION("all emigrants are chosen before any arrives") {
    Population population(2, 2);
    population.offer(0, {1, "a", 5.0});
    population.offer(1, {2, "b", 1.0});
    // Chosen one after the other, island 1 would send the newly arrived a back.
    CHECK(population.migrate() == 2);
    CHECK(ids(population.islands[0]) == std::vector<int>{1, 2});
    CHECK(ids(population.islands[1]) == std::vector<int>{2, 1});
  }
  SECTION("a single island migrates to itself: nothing enters") {
    Population population(1, 4);
    population.offer(0, {1, "a", 5.0});
    CHECK(population.migrate() == 0);
    CHECK(population.islands[0].size() == 1);
  }
}

TEST_CASE("Population.best is the fittest over all islands", "[search]") {
  Population population(2, 4);
  CHECK(population.best() == nullptr);
  population.offer(0, {4, "d", 3.0});
  population.offer(1, {2, "b", 3.0});
  population.offer(1, {1, "a", -1.0});
  REQUIRE(population.best() != nullptr);
  CHECK(population.best()->id == 2);
}

TEST_CASE("Population JSON round-trips exactly and refuses malformed input", "[search]") {
  Population population(3, 2);
  population.offer(0, {1, "a", 0.1 + 0.2});
  population.offer(0, {2, "b", -1e-300});
  population.offer(2, {3, "c", 12345.678901234567});
  const nlohmann::json j = population.to_json();
  for (const nlohmann::json& stored : {j, nlohmann::json::parse(j.dump())}) {
    auto back = Population::from_json(stored);
    REQUIRE(back);
    CHECK(back->capacity == 2);
    REQUIRE(back->islands.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
      REQUIRE(back->islands[i].size() == population.islands[i].size());
      for (size_t k = 0; k < population.islands[i].size(); ++k) {
        CHECK(back->islands[i][k].id == population.islands[i][k].id);
        CHECK(back->islands[i][k].commit == population.islands[i][k].commit);
        CHECK(back->islands[i][k].fitness == population.islands[i][k].fitness);
      }
    }
    CHECK(back->to_json() == j);
  }

  auto error = [](const char* text) {
    auto r = Population::from_json(nlohmann::json::parse(text));
    REQUIRE_FALSE(r);
    return r.error().message;
  };
  CHECK_THAT(error("3"), Catch::Contains("expected an object"));
  CHECK_THAT(error(R"({"capacity": 0, "islands": [[]]})"),
             Catch::Contains("'capacity' must be a positive integer"));
  CHECK_THAT(error(R"({"capacity": 2, "islands": []})"),
             Catch::Contains("'islands' must be a non-empty array"));
  CHECK_THAT(error(R"({"capacity": 2, "islands": [{}]})"), Catch::Contains("island 0 is not an array"));
  CHECK_THAT(error(R"({"capacity": 2, "islands": [[], [{"id": 1, "commit": "a", "fitness": "high"}]]})"),
             Catch::Contains("island 1 member 0 needs a number 'fitness'"));
  CHECK_THAT(error(R"({"capacity": 1, "islands": [[{"id": 1, "commit": "a", "fitness": 1},
                                                 {"id": 2, "commit": "b", "fitness": 2}]]})"),
             Catch::Contains("more than the capacity 1"));
  CHECK_THAT(error(R"({"capacity": 2, "islands": [[{"id": 1, "commit": "a", "fitness": 1},
                                                 {"id": 2, "commit": "a", "fitness": 2}]]})"),
             Catch::Contains("repeats a commit"));
}

TEST_CASE("an immigrant enters through a replacement tournament, never ousting the fittest", "[search]") {
  Population p(1, 3);
  for (const Member& m : std::vector<Member>{{1, "a", 9.0}, {2, "b", 8.0}, {3, "c", 7.0}})
    REQUIRE(p.offer(0, m));
  const Member weak{10, "immigrant", 1.0};  // less fit than every member: offer() refuses it

  SECTION("offer() refuses what immigrate() lets in") {
    Population q = p;
    CHECK_FALSE(q.offer(0, weak));
    Rng rng(5);
    auto entry = q.immigrate(0, weak, 3, rng);
    REQUIRE(entry.entered);
    REQUIRE(entry.replaced);
    CHECK(entry.replaced->id == 3);  // a tournament of the whole island: its least fit leaves
    CHECK(ids(q.islands[0]) == std::vector<int>{1, 2, 10});
  }
  SECTION("a smaller tournament ousts the least fit it drew: #2 or #3, never the fittest #1") {
    std::map<int, int> ousted;
    for (uint64_t seed = 0; seed < 600; ++seed) {
      Population q = p;
      Rng rng(seed);
      auto entry = q.immigrate(0, weak, 2, rng);
      if (entry.entered)
        ++ousted[entry.replaced->id];
      else
        ++ousted[0];
    }
    CHECK(ousted[1] == 0);
    CHECK(ousted[0] == 0);  // two drawn of three: one of them is always below the fittest
    // #3 loses every draw it is in (2 of 3 pairs), #2 only the pair {1, 2}.
    CHECK(ousted[3] == Approx(400).margin(60));
    CHECK(ousted[2] == Approx(200).margin(60));
  }
  SECTION("a tournament of one that draws the fittest lets nobody out") {
    int refused = 0;
    for (uint64_t seed = 0; seed < 300; ++seed) {
      Population q = p;
      Rng rng(seed);
      auto entry = q.immigrate(0, weak, 1, rng);
      refused += entry.entered ? 0 : 1;
      if (!entry.entered)
        CHECK(ids(q.islands[0]) == std::vector<int>{1, 2, 3});
    }
    CHECK(refused == Approx(100).margin(40));
  }
  SECTION("room: it joins; the same commit or a non-finite fitness: it does not") {
    Population q(1, 4);
    Rng rng(1);
    REQUIRE(q.offer(0, {1, "a", 9.0}));
    auto joined = q.immigrate(0, weak, 2, rng);
    CHECK(joined.entered);
    CHECK_FALSE(joined.replaced);
    CHECK_FALSE(q.immigrate(0, {11, "a", 3.0}, 2, rng).entered);
    CHECK_FALSE(q.immigrate(0, {12, "x", std::numeric_limits<double>::quiet_NaN()}, 2, rng).entered);
    CHECK_FALSE(q.immigrate(3, {13, "y", 3.0}, 2, rng).entered);
    CHECK(ids(q.islands[0]) == std::vector<int>{1, 10});
  }
}
