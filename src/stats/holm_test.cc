#include "stats/holm.h"

#include <vector>

#include <catch2/catch.hpp>

using anneal::stats::holm;

TEST_CASE("holm steps down and adjusts monotonically", "[stats]") {
  SECTION("a worked example") {
    // Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06 (0.03 > 0.05/2: stop), 0.04·1 → 0.06.
    auto r = holm(std::vector<double>{0.01, 0.04, 0.03, 0.005}, 0.05);
    REQUIRE(r);
    CHECK(r->rejected == std::vector<bool>{true, false, false, true});
    REQUIRE(r->adjusted.size() == 4);
    CHECK(r->adjusted[0] == Approx(0.03));
    CHECK(r->adjusted[1] == Approx(0.06));
    CHECK(r->adjusted[2] == Approx(0.06));
    CHECK(r->adjusted[3] == Approx(0.02));
  }
  SECTION("once one hypothesis survives, larger p-values survive even below their own threshold") {
    // 0.03 > 0.05/2 stops the procedure although 0.031 <= 0.05/1.
    auto r = holm(std::vector<double>{0.031, 0.03}, 0.05);
    REQUIRE(r);
    CHECK(r->rejected == std::vector<bool>{false, false});
  }
  SECTION("adjusted p-values are capped at 1") {
    auto r = holm(std::vector<double>{0.5, 0.6, 0.9}, 0.05);
    REQUIRE(r);
    CHECK(r->adjusted == std::vector<double>{1.0, 1.0, 1.0});
  }
  SECTION("no p-values, no rejections") {
    auto r = holm(std::vector<double>{}, 0.05);
    REQUIRE(r);
    CHECK(r->rejected.empty());
    CHECK(r->adjusted.empty());
  }
}

TEST_CASE("holm refuses values that are not probabilities", "[stats]") {
  CHECK_FALSE(holm(std::vector<double>{0.1, 1.5}, 0.05));
  CHECK_FALSE(holm(std::vector<double>{-0.1}, 0.05));
  CHECK_FALSE(holm(std::vector<double>{0.1}, 2.0));
}
