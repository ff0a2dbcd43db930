#include "stats/sequential_testing.h"

#include <random>
#include <vector>

#include <catch2/catch.hpp>

using namespace anneal::stats;

namespace {

SequentialOptions options(double level, size_t total) {
  SequentialOptions o;
  o.level = level;
  o.total = total;
  return o;
}

}  // namespace

TEST_CASE("the betting test stops a clearly better candidate early and says why", "[stats]") {
  std::vector<double> d(60, 1.0);
  auto v = betting_test(d, options(0.001, 60));
  REQUIRE(v);
  CHECK(v->stop == SequentialStop::Better);
  // (1/10) sum_j (1 + λ_j)^n reaches 1000 at n = 14 with these bets, not before.
  CHECK(v->n == 14);
  CHECK(v->pvalue <= 0.001);
  CHECK(v->e_value >= 1000);
  CHECK(stop_name(v->stop) == "better");
  CHECK(v->reason.find("after 14 of 60 samples") != std::string::npos);
}

TEST_CASE("the betting test stops a worse candidate and one that can no longer win", "[stats]") {
  SECTION("worse: the mirrored e-process reaches 1/futility") {
    std::vector<double> d(60, -0.5);
    auto v = betting_test(d, options(0.001, 60));
    REQUIRE(v);
    CHECK(v->stop == SequentialStop::Worse);
    CHECK(v->n <= 12);
    CHECK(v->e_worse >= 20);
  }
  SECTION("unreachable: even +1 from here on cannot reach the level") {
    std::vector<double> d = {-1, -1, 0, 0};
    auto v = betting_test(d, options(0.001, 12));
    REQUIRE(v);
    CHECK(v->stop == SequentialStop::Unreachable);
    CHECK(v->n <= 2);
  }
}

TEST_CASE("the betting test's verdict depends on the differences, not on how they were batched", "[stats]") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> pick(-2, 4);
  std::vector<double> d;
  for (int i = 0; i < 40; ++i)
    d.push_back(pick(rng) / 4.0);
  auto whole = betting_test(d, options(0.01, 40));
  REQUIRE(whole);
  REQUIRE(whole->stop != SequentialStop::Continue);
  // Looked at in batches of 5: the first batch that holds the stopping point stops, the same way.
  for (size_t seen = 5; seen <= d.size(); seen += 5) {
    auto part = betting_test(std::span<const double>(d).first(seen), options(0.01, 40));
    REQUIRE(part);
    if (seen < whole->n) {
      CHECK(part->stop == SequentialStop::Continue);
      continue;
    }
    CHECK(part->stop == whole->stop);
    CHECK(part->n == whole->n);
    CHECK(part->e_value == whole->e_value);
    break;
  }
}

TEST_CASE("the betting test keeps its level under the null, looked at after every sample", "[stats]") {
  // Differences symmetric about 0: the chance that the e-process ever reaches 1/level is at
  // most level (Ville). 20000 runs at level 0.05: about 1000 would fail a test that peeks
  // with a fixed-n p-value; this one must stay under 5% (plus three standard errors).
  std::mt19937_64 rng(2026);
  std::uniform_int_distribution<int> pick(-4, 4);
  int accepted = 0;
  const int runs = 20000;
  for (int run = 0; run < runs; ++run) {
    std::vector<double> d;
    for (int i = 0; i < 60; ++i)
      d.push_back(pick(rng) / 4.0);
    auto v = betting_test(d, options(0.05, 60));
    REQUIRE(v);
    accepted += v->stop == SequentialStop::Better;
  }
  CHECK(accepted < runs * 0.05 + 3 * std::sqrt(runs * 0.05 * 0.95));
}

TEST_CASE("the betting test needs the mean gain too, and refuses bad input", "[stats]") {
  SECTION("min_mean: a crossing with too little gain goes on to the end") {
    std::vector<double> d(20, 1.0);
    SequentialOptions o = options(0.001, 20);
    o.min_mean = 1.0;
    auto v = betting_test(d, o);
    REQUIRE(v);
    CHECK(v->stop == SequentialStop::Exhausted);
    CHECK(v->reason.find("not above 1") != std::string::npos);
  }
  SECTION("no data: continue") {
    auto v = betting_test({}, options(0.001, 20));
    REQUIRE(v);
    CHECK(v->stop == SequentialStop::Continue);
    CHECK(v->pvalue == 1);
  }
  CHECK_FALSE(betting_test(std::vector<double>{1.5}, options(0.01, 3)));
  CHECK_FALSE(betting_test(std::vector<double>{0, 0}, options(0.01, 1)));
  CHECK_FALSE(betting_test(std::vector<double>{0}, options(0, 1)));
}
