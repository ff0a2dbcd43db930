#include "stats/variance_drift.h"

#include <vector>

#include <catch2/catch.hpp>

using anneal::stats::variance_drift;

TEST_CASE("drift compares the spread of the older and newer half of the window", "[stats]") {
  SECTION("too few scores say nothing") {
    std::vector<double> few = {1, 2, 3, 4, 5, 6, 7};
    CHECK_FALSE(variance_drift(few));
  }
  SECTION("the same spread is no drift") {
    std::vector<double> steady = {0.5, 0.6, 0.5, 0.6, 0.5, 0.6, 0.5, 0.6};
    auto d = variance_drift(steady);
    REQUIRE(d);
    CHECK(d->ratio == Approx(1));
    CHECK_FALSE(d->drifting);
  }
  SECTION("a noisier second half drifts") {
    std::vector<double> noisier = {0.5, 0.52, 0.5, 0.52, 0.2, 0.9, 0.1, 0.8};
    auto d = variance_drift(noisier);
    REQUIRE(d);
    // numpy: var([.5,.52,.5,.52], ddof=1) = 0.0001333.., var([.2,.9,.1,.8], ddof=1) = 0.1666..
    CHECK(d->first == Approx(0.000133333).epsilon(1e-4));
    CHECK(d->second == Approx(0.166667).epsilon(1e-4));
    CHECK(d->drifting);
  }
  SECTION("a settling search drifts the other way; the middle of an odd window is left out") {
    std::vector<double> settling = {0.1, 0.9, 0.2, 0.8, 100, 0.6, 0.61, 0.6, 0.61};
    auto d = variance_drift(settling);
    REQUIRE(d);
    CHECK(d->ratio < 0.5);
    CHECK(d->drifting);
  }
  SECTION("a constant window is steady") {
    std::vector<double> flat(10, 0.75);
    CHECK_FALSE(variance_drift(flat)->drifting);
  }
}
