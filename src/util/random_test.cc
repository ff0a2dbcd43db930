#include "util/random.h"

#include <cmath>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

using anneal::mix_seed;
using anneal::Rng;

TEST_CASE("splitmix64 matches the reference generator", "[util]") {
  // First two outputs of Vigna's splitmix64.c started from state 0.
  CHECK(anneal::splitmix64(0) == 0xe220a8397b1dcdafULL);
  CHECK(anneal::splitmix64(0x9e3779b97f4a7c15ULL) == 0x6e789e6aa1b965f4ULL);
}

TEST_CASE("Rng produces pinned values for a fixed seed on every platform", "[util]") {
  // Computed with an independent implementation of xoshiro256** seeded by splitmix64; a
  // change here breaks the reproducibility of every recorded run.
  Rng rng(42);
  std::vector<uint64_t> got;
  for (int i = 0; i < 4; ++i)
    got.push_back(rng.next());
  CHECK(got == std::vector<uint64_t>{0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL,
                                     0xae17533239e499a1ULL, 0xecb8ad4703b360a1ULL});

  Rng uniforms(42);
  CHECK(uniforms.uniform() == static_cast<double>(got[0] >> 11) * 0x1.0p-53);

  Rng normals(7);
  CHECK(normals.normal() == Approx(0.9643618527255184).epsilon(1e-15));
  CHECK(normals.normal() == Approx(-1.0637531974798475).epsilon(1e-15));
}

TEST_CASE("Rng is reproducible and seeds give different streams", "[util]") {
  Rng a(123), b(123), c(124);
  bool all_same_c = true;
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.next();
    REQUIRE(x == b.next());
    all_same_c = all_same_c && x == c.next();
  }
  CHECK_FALSE(all_same_c);
}

TEST_CASE("Rng distributions have the expected moments", "[util]") {
  Rng rng(2024);
  const int n = 200000;

  SECTION("uniform lies in [0, 1) with mean 1/2 and variance 1/12") {
    double sum = 0, sum_sq = 0, lo = 1, hi = 0;
    for (int i = 0; i < n; ++i) {
      double u = rng.uniform();
      sum += u;
      sum_sq += u * u;
      lo = std::min(lo, u);
      hi = std::max(hi, u);
    }
    double mean = sum / n;
    CHECK(lo >= 0);
    CHECK(hi < 1);
    CHECK(mean == Approx(0.5).margin(0.005));
    CHECK(sum_sq / n - mean * mean == Approx(1.0 / 12).margin(0.002));
  }

  SECTION("normal has mean 0, variance 1 and about 68% within one sigma") {
    double sum = 0, sum_sq = 0;
    int within = 0;
    for (int i = 0; i < n; ++i) {
      double x = rng.normal();
      sum += x;
      sum_sq += x * x;
      within += std::fabs(x) < 1;
    }
    CHECK(sum / n == Approx(0).margin(0.01));
    CHECK(sum_sq / n == Approx(1).margin(0.02));
    CHECK(static_cast<double>(within) / n == Approx(0.6827).margin(0.01));
  }

  SECTION("below covers [0, n) evenly and never reaches n") {
    std::vector<int> counts(7, 0);
    for (int i = 0; i < 70000; ++i) {
      uint64_t k = rng.below(7);
      REQUIRE(k < 7);
      ++counts[k];
    }
    for (int count : counts)
      CHECK(count == Approx(10000).margin(500));
    CHECK(rng.below(1) == 0);
    CHECK(rng.below(0) == 0);
  }
}

TEST_CASE("mix_seed derives distinct, order-sensitive streams", "[util]") {
  CHECK(mix_seed(1, 2) != mix_seed(2, 1));
  CHECK(mix_seed(0, 0) != 0);
  std::set<uint64_t> seen;
  for (uint64_t seed = 0; seed < 50; ++seed)
    for (uint64_t experiment = 0; experiment < 50; ++experiment)
      seen.insert(mix_seed(seed, experiment));
  CHECK(seen.size() == 2500);
  CHECK(mix_seed(7, 3) == mix_seed(7, 3));
}
