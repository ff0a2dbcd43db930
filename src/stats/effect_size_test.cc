#include "stats/effect_size.h"

#include <vector>

#include <catch2/catch.hpp>

using namespace anneal::stats;

TEST_CASE("cohen d_z is the mean difference over its sample standard deviation", "[stats]") {
  SECTION("paired samples") {
    // Differences 1, 2, 3: mean 2, sd (ddof = 1) 1.
    auto d = cohen_d_paired(std::vector<double>{2, 4, 6}, std::vector<double>{1, 2, 3});
    REQUIRE(d);
    REQUIRE(d->has_value());
    CHECK(**d == Approx(2.0));
  }
  SECTION("the sign follows x - y") {
    auto d = cohen_d_paired(std::vector<double>{1, 2, 3}, std::vector<double>{2, 4, 6});
    REQUIRE(d);
    REQUIRE(d->has_value());
    CHECK(**d == Approx(-2.0));
  }
  SECTION("undefined when every difference is the same or there is one pair") {
    auto same = cohen_d_z(std::vector<double>{0.5, 0.5, 0.5});
    REQUIRE(same);
    CHECK_FALSE(same->has_value());
    auto one = cohen_d_z(std::vector<double>{3});
    REQUIRE(one);
    CHECK_FALSE(one->has_value());
  }
  SECTION("different lengths are an error") {
    auto d = cohen_d_paired(std::vector<double>{1, 2}, std::vector<double>{1});
    REQUIRE_FALSE(d);
    CHECK_THAT(d.error().message, Catch::Contains("same length"));
  }
}
