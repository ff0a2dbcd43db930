#include "stats/wilcoxon.h"

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

using namespace anneal::stats;

namespace {

// The example in SciPy's documentation of wilcoxon: height differences of paired plants.
const std::vector<double> k_plants = {6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75};

WilcoxonOptions with(Alternative alternative, WilcoxonMethod method = WilcoxonMethod::automatic) {
  WilcoxonOptions options;
  options.alternative = alternative;
  options.method = method;
  return options;
}

}  // namespace

TEST_CASE("wilcoxon reproduces SciPy's documented example", "[stats]") {
  SECTION("two-sided, exact: the statistic is the smaller rank sum") {
    auto r = wilcoxon(k_plants);
    REQUIRE(r);
    CHECK(r->statistic == 24.0);
    CHECK(r->pvalue == Approx(0.041259765625).epsilon(1e-12));
    CHECK(r->method == WilcoxonMethod::exact);
  }
  SECTION("greater: the statistic is W+") {
    auto r = wilcoxon(k_plants, with(Alternative::greater));
    REQUIRE(r);
    CHECK(r->statistic == 96.0);
    CHECK(r->pvalue == Approx(0.0206298828125).epsilon(1e-12));
  }
  SECTION("less is the other tail") {
    auto r = wilcoxon(k_plants, with(Alternative::less));
    REQUIRE(r);
    CHECK(r->statistic == 96.0);
    CHECK(r->pvalue > 0.97);
  }
  SECTION("normal approximation") {
    auto r = wilcoxon(k_plants, with(Alternative::two_sided, WilcoxonMethod::approx));
    REQUIRE(r);
    CHECK(r->statistic == 24.0);
    CHECK(r->pvalue == Approx(0.04088813291185591).epsilon(1e-12));
    CHECK(r->method == WilcoxonMethod::approx);
    REQUIRE(r->z);
    CHECK(*r->z < 0);
  }
}

TEST_CASE("wilcoxon chooses its method the way SciPy 1.10 does", "[stats]") {
  SECTION("auto is exact up to 50 pairs and approximate beyond") {
    std::vector<double> d;
    for (int i = 1; i <= 51; ++i)
      d.push_back(i % 3 == 0 ? -i : i);
    auto approx = wilcoxon(d);
    REQUIRE(approx);
    CHECK(approx->method == WilcoxonMethod::approx);
    d.pop_back();
    auto exact = wilcoxon(d);
    REQUIRE(exact);
    CHECK(exact->method == WilcoxonMethod::exact);
  }
  SECTION("zero differences switch exact to the approximation") {
    std::vector<double> d = {0, 1.5, -0.5, 2, 3, 0, 4, 5, -1, 6};
    for (auto method : {WilcoxonMethod::automatic, WilcoxonMethod::exact}) {
      auto switched = wilcoxon(d, with(Alternative::two_sided, method));
      auto approx = wilcoxon(d, with(Alternative::two_sided, WilcoxonMethod::approx));
      REQUIRE(switched);
      REQUIRE(approx);
      CHECK(switched->method == WilcoxonMethod::approx);
      CHECK(switched->pvalue == approx->pvalue);
    }
  }
  SECTION("ties without zeros stay exact, at the integer part of W+") {
    // SciPy's own example: |d| ranks 1, 3, 3, 3, so W+ = 6 and P(W+ >= 6) = 7/16 for n = 4.
    std::vector<double> d = {-0.025, 0.05, 0.05, -0.05};
    auto r = wilcoxon(d, with(Alternative::greater));
    REQUIRE(r);
    CHECK(r->method == WilcoxonMethod::exact);
    CHECK(r->statistic == 6.0);
    CHECK(r->pvalue == 0.4375);
  }
  SECTION("paired samples give the test of their differences") {
    std::vector<double> x = {0.5, 0.825, 0.375, 0.5}, y = {0.525, 0.775, 0.325, 0.55};
    auto r = wilcoxon(x, y, with(Alternative::greater));
    REQUIRE(r);
    // x - y is not exactly the rounded d above: the roundoff breaks the ties (SciPy: 5, 0.5625).
    CHECK(r->statistic == 5.0);
    CHECK(r->pvalue == 0.5625);
  }
}

TEST_CASE("wilcoxon zero methods treat zero differences differently", "[stats]") {
  std::vector<double> d = {0, 0, 1, 2, 3, -4, 5, 6, 7, 8, 9, -10};
  WilcoxonOptions options;
  options.method = WilcoxonMethod::approx;
  options.alternative = Alternative::greater;
  options.zero_method = ZeroMethod::wilcox;
  auto wilcox = wilcoxon(d, options);
  options.zero_method = ZeroMethod::pratt;
  auto pratt = wilcoxon(d, options);
  options.zero_method = ZeroMethod::zsplit;
  auto zsplit = wilcoxon(d, options);
  REQUIRE(wilcox);
  REQUIRE(pratt);
  REQUIRE(zsplit);
  // wilcox ranks the ten non-zero values 1..10; pratt ranks them 3..12 after the zeros; zsplit
  // also gives half of the zeros' ranks (1.5 + 1.5) to W+.
  CHECK(wilcox->statistic == 1 + 2 + 3 + 5 + 6 + 7 + 8 + 9);
  CHECK(pratt->statistic == 3 + 4 + 5 + 7 + 8 + 9 + 10 + 11);
  CHECK(zsplit->statistic == pratt->statistic + 1.5);
  CHECK(wilcox->pvalue != pratt->pvalue);
  CHECK(pratt->pvalue != zsplit->pvalue);
}

TEST_CASE("wilcoxon continuity correction moves the statistic toward the mean", "[stats]") {
  WilcoxonOptions options;
  options.method = WilcoxonMethod::approx;
  auto plain = wilcoxon(k_plants, options);
  options.correction = true;
  auto corrected = wilcoxon(k_plants, options);
  REQUIRE(plain);
  REQUIRE(corrected);
  CHECK(corrected->pvalue > plain->pvalue);
  CHECK(corrected->statistic == plain->statistic);
}

TEST_CASE("wilcoxon refuses what SciPy refuses", "[stats]") {
  SECTION("every difference zero under wilcox or pratt") {
    std::vector<double> zeros(12, 0.0);
    auto r = wilcoxon(zeros);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("every difference is zero"));
    WilcoxonOptions zsplit;
    zsplit.zero_method = ZeroMethod::zsplit;
    auto split = wilcoxon(zeros, zsplit);
    REQUIRE(split);
    CHECK(split->pvalue == 1.0);
  }
  SECTION("samples of different lengths") {
    std::vector<double> x = {1, 2, 3}, y = {1, 2};
    auto r = wilcoxon(x, y);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("same length"));
  }
  SECTION("non-finite values") {
    std::vector<double> d = {1, NAN, 2};
    auto r = wilcoxon(d);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("difference 1 is not a finite number"));
  }
  SECTION("no pairs: NaN, as SciPy returns") {
    auto r = wilcoxon(std::vector<double>{});
    REQUIRE(r);
    CHECK(std::isnan(r->statistic));
    CHECK(std::isnan(r->pvalue));
  }
}

TEST_CASE("wilcoxon option names parse as SciPy spells them", "[stats]") {
  CHECK(parse_alternative("two-sided") == Alternative::two_sided);
  CHECK(parse_alternative("greater") == Alternative::greater);
  CHECK(parse_alternative("less") == Alternative::less);
  CHECK_FALSE(parse_alternative("two_sided"));
  CHECK(parse_zero_method("zsplit") == ZeroMethod::zsplit);
  CHECK_FALSE(parse_zero_method("Wilcox"));
  CHECK(parse_wilcoxon_method("auto") == WilcoxonMethod::automatic);
  CHECK_FALSE(parse_wilcoxon_method("automatic"));
  CHECK(method_name(WilcoxonMethod::approx) == "approx");
}
