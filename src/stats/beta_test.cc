#include "stats/beta.h"

#include <cmath>

#include <catch2/catch.hpp>

using anneal::stats::beta_ppf;

TEST_CASE("beta_ppf inverts closed-form Beta distributions", "[stats]") {
  // Beta(1, 1) is uniform; Beta(2, 1) has cdf x², so its quantile is √q.
  for (double q : {0.025, 0.5, 0.975}) {
    auto uniform = beta_ppf(1, 1, q);
    auto square = beta_ppf(2, 1, q);
    REQUIRE(uniform);
    REQUIRE(square);
    CHECK(*uniform == Approx(q).epsilon(1e-14));
    CHECK(*square == Approx(std::sqrt(q)).epsilon(1e-14));
  }
  auto lowest = beta_ppf(3, 4, 0);
  REQUIRE(lowest);
  CHECK(*lowest == 0.0);
}

TEST_CASE("beta_ppf refuses parameters outside the distribution's domain", "[stats]") {
  CHECK_FALSE(beta_ppf(0, 1, 0.5));
  CHECK_FALSE(beta_ppf(1, -2, 0.5));
  CHECK_FALSE(beta_ppf(1, 1, 1.5));
  auto nan = beta_ppf(1, 1, NAN);
  REQUIRE_FALSE(nan);
  CHECK_THAT(nan.error().message, Catch::Contains("between 0 and 1"));
}
