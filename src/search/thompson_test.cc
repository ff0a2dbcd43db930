#include "search/thompson.h"

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

using anneal::Rng;
using anneal::search::beta_deviate;
using anneal::search::ThompsonSampler;

namespace {

struct Moments {
  double mean = 0;
  double variance = 0;
};

Moments moments_of_beta(double a, double b, int draws, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> values;
  for (int i = 0; i < draws; ++i)
    values.push_back(beta_deviate(a, b, rng));
  Moments m;
  for (double v : values)
    m.mean += v / draws;
  for (double v : values)
    m.variance += (v - m.mean) * (v - m.mean) / draws;
  return m;
}

}  // namespace

TEST_CASE("beta deviates have the mean and variance of their distribution", "[search]") {
  SECTION("Beta(2, 5): shapes above 1") {
    Moments m = moments_of_beta(2, 5, 20000, 7);
    CHECK(m.mean == Approx(2.0 / 7).margin(0.005));          // 0.2857
    CHECK(m.variance == Approx(10.0 / 392).margin(0.0015));  // 0.0255
  }
  SECTION("Beta(0.5, 0.5): shapes below 1, mass at both ends") {
    Moments m = moments_of_beta(0.5, 0.5, 20000, 11);
    CHECK(m.mean == Approx(0.5).margin(0.01));
    CHECK(m.variance == Approx(0.125).margin(0.005));
  }
  SECTION("tiny shapes stay in [0, 1] rather than 0 / 0") {
    Rng rng(3);
    for (int i = 0; i < 1000; ++i) {
      double v = beta_deviate(0.01, 0.01, rng);
      REQUIRE(v >= 0);
      REQUIRE(v <= 1);
    }
  }
  SECTION("invalid shapes give NaN") {
    Rng rng(3);
    CHECK(std::isnan(beta_deviate(0, 1, rng)));
    CHECK(std::isnan(beta_deviate(1, -2, rng)));
  }
}

TEST_CASE("thompson sampling picks a clearly better arm most of the time", "[search]") {
  ThompsonSampler sampler({"weak", "strong", "unknown"});
  for (int i = 0; i < 20; ++i) {
    sampler.reward(0, i < 4 ? 1 : 0);   // 4 of 20
    sampler.reward(1, i < 18 ? 1 : 0);  // 18 of 20
  }
  for (int i = 0; i < 4; ++i)
    sampler.reward(2, 0.5);  // 2 of 4: uncertain, so it still wins a draw now and then
  Rng rng(42);
  int strong = 0;
  for (int i = 0; i < 1000; ++i)
    strong += sampler.choose(rng) == 1 ? 1 : 0;
  CHECK(strong > 900);
  CHECK(strong < 1000);  // the others still get explored now and then
}

TEST_CASE("thompson sampling is deterministic for a seed", "[search]") {
  ThompsonSampler sampler({"a", "b", "c"});
  auto run = [&](uint64_t seed) {
    Rng rng(seed);
    std::vector<size_t> picks;
    for (int i = 0; i < 50; ++i)
      picks.push_back(sampler.choose(rng));
    return picks;
  };
  CHECK(run(5) == run(5));
  CHECK(run(5) != run(6));
}

TEST_CASE("thompson rewards may be fractional", "[search]") {
  ThompsonSampler sampler({"a", "b"});
  sampler.reward(0, 0.25);
  CHECK(sampler.arms[0].successes == 0.25);
  CHECK(sampler.arms[0].failures == 0.75);
  CHECK(sampler.arms[0].pulls == 1);
  SECTION("out of range values are clamped") {
    sampler.reward(1, 1.5);
    sampler.reward(1, -2);
    CHECK(sampler.arms[1].successes == 1);
    CHECK(sampler.arms[1].failures == 1);
    CHECK(sampler.arms[1].pulls == 2);
  }
  SECTION("an arm out of range is ignored") {
    sampler.reward(2, 1);
    CHECK(sampler.arms.size() == 2);
    CHECK(sampler.arms[1].pulls == 0);
  }
}

TEST_CASE("thompson sampler round-trips through JSON and refuses malformed objects", "[search]") {
  ThompsonSampler sampler({"llm", "tuner"});
  sampler.reward(0, 0.1);
  sampler.reward(1, 1);
  auto restored = ThompsonSampler::from_json(nlohmann::json::parse(sampler.to_json().dump()));
  REQUIRE(restored);
  CHECK(restored->to_json() == sampler.to_json());
  CHECK(restored->arms[0].successes == 0.1);

  nlohmann::json j = sampler.to_json();
  SECTION("negative counts") {
    j["arms"][1]["failures"] = -1;
    auto result = ThompsonSampler::from_json(j);
    REQUIRE_FALSE(result);
    CHECK(result.error().message ==
          "thompson sampler: arm 1: 'failures' must be a finite number >= 0 in "
          "{\"failures\":-1,\"name\":\"tuner\",\"pulls\":1,\"successes\":1.0}");
  }
  SECTION("a name twice") {
    j["arms"][1]["name"] = "llm";
    auto result = ThompsonSampler::from_json(j);
    REQUIRE_FALSE(result);
    CHECK(result.error().message.starts_with("thompson sampler: arm 1: the name appears twice"));
  }
  SECTION("no arms array") {
    j.erase("arms");
    auto result = ThompsonSampler::from_json(j);
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "thompson sampler: 'arms' must be an array");
  }
}
