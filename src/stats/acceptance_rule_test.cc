#include "stats/acceptance_rule.h"

#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "stats/wilcoxon.h"
#include "util/random.h"

using anneal::stats::AcceptanceRule;
using anneal::stats::AcceptanceWindow;
using anneal::stats::decide_acceptance;
using anneal::stats::min_wilcoxon_pairs;
using anneal::stats::next_level;

TEST_CASE("online Holm holds the first p-value of a window to alpha / window", "[stats]") {
  AcceptanceRule rule;  // 0.05 over 50
  SECTION("exactly at the level is accepted") {
    auto verdict = decide_acceptance(rule, {}, 0.001);
    REQUIRE(verdict);
    CHECK(verdict->accept);
    CHECK(verdict->level == Approx(0.001));
    CHECK(verdict->next.tested == 1);
    CHECK(verdict->next.accepted == 1);
  }
  SECTION("above the level is refused, although it would pass uncorrected") {
    auto verdict = decide_acceptance(rule, {}, 0.002);
    REQUIRE(verdict);
    CHECK_FALSE(verdict->accept);
    CHECK(verdict->next.tested == 1);
    CHECK(verdict->next.accepted == 0);
    CHECK(verdict->reason == "p=0.002 > 0.001 = 0.05/(50-0) (online Holm, 1 of 50 in the window)");
  }
}

TEST_CASE("each acceptance in the window relaxes the level like a Holm step", "[stats]") {
  AcceptanceRule rule{0.05, 4};
  AcceptanceWindow window;
  // Levels 0.05/4, then 0.05/3 after one acceptance, then 0.05/2 after two.
  auto first = decide_acceptance(rule, window, 0.0125);
  REQUIRE(first);
  CHECK(first->accept);
  CHECK(next_level(rule, first->next) == Approx(0.05 / 3));
  auto second = decide_acceptance(rule, first->next, 0.02);
  REQUIRE(second);
  CHECK_FALSE(second->accept);  // 0.02 > 0.0167: a refusal does not relax the level
  CHECK(next_level(rule, second->next) == Approx(0.05 / 3));
  auto third = decide_acceptance(rule, second->next, 0.016);
  REQUIRE(third);
  CHECK(third->accept);
  CHECK(next_level(rule, third->next) == Approx(0.025));
  auto fourth = decide_acceptance(rule, third->next, 0.024);
  REQUIRE(fourth);
  CHECK(fourth->accept);
  SECTION("a full window starts afresh at alpha / window") {
    CHECK(next_level(rule, fourth->next) == Approx(0.0125));
    auto fifth = decide_acceptance(rule, fourth->next, 0.02);
    REQUIRE(fifth);
    CHECK_FALSE(fifth->accept);
    CHECK(fifth->next.tested == 1);
    CHECK(fifth->next.accepted == 0);
  }
}

TEST_CASE("a missing p-value is refused and counts as a test", "[stats]") {
  auto verdict = decide_acceptance({}, {}, std::numeric_limits<double>::quiet_NaN());
  REQUIRE(verdict);
  CHECK_FALSE(verdict->accept);
  CHECK(verdict->next.tested == 1);
}

TEST_CASE("the acceptance rule refuses bad input", "[stats]") {
  CHECK_FALSE(decide_acceptance({}, {}, 1.5));
  CHECK_FALSE(decide_acceptance({}, {}, -0.1));
  CHECK_FALSE(decide_acceptance({0.0, 50}, {}, 0.01));
  CHECK_FALSE(decide_acceptance({1.0, 50}, {}, 0.01));
  CHECK_FALSE(decide_acceptance({0.05, 0}, {}, 0.01));
  CHECK_FALSE(decide_acceptance({}, {3, 4}, 0.01));
  CHECK_FALSE(decide_acceptance({}, {-1, 0}, 0.01));
}

TEST_CASE("the window state reads back from its JSON", "[stats]") {
  AcceptanceWindow window{7, 2};
  auto back = AcceptanceWindow::from_json(window.to_json());
  REQUIRE(back);
  CHECK(back->tested == 7);
  CHECK(back->accepted == 2);
  SECTION("malformed states are errors") {
    CHECK_FALSE(AcceptanceWindow::from_json(nlohmann::json::parse(R"({"tested": 1})")));
    CHECK_FALSE(AcceptanceWindow::from_json(nlohmann::json::parse(R"({"tested": 1, "accepted": 2})")));
    CHECK_FALSE(AcceptanceWindow::from_json(nlohmann::json::parse(R"({"tested": -1, "accepted": 0})")));
    CHECK_FALSE(AcceptanceWindow::from_json(nlohmann::json::parse(R"({"tested": "3", "accepted": 0})")));
    CHECK_FALSE(AcceptanceWindow::from_json(nlohmann::json::parse("[1, 0]")));
  }
}

TEST_CASE("min_wilcoxon_pairs is where the exact test first reaches the level", "[stats]") {
  CHECK(min_wilcoxon_pairs(0.05 / 50) == 10);  // 2^-10 = 0.000977 <= 0.001 < 2^-9
  CHECK(min_wilcoxon_pairs(0.05) == 5);        // 2^-5 = 0.031
  CHECK(min_wilcoxon_pairs(1.0 / 1024) == 10);
  CHECK_FALSE(min_wilcoxon_pairs(0));
  CHECK_FALSE(min_wilcoxon_pairs(1.5));
  SECTION("agrees with the test itself: all differences positive") {
    anneal::stats::WilcoxonOptions greater;
    greater.alternative = anneal::stats::Alternative::greater;
    for (int n : {9, 10}) {
      std::vector<double> all_positive;
      for (int i = 1; i <= n; ++i)
        all_positive.push_back(i);
      auto p = anneal::stats::wilcoxon(all_positive, greater);
      REQUIRE(p);
      CHECK((p->pvalue <= 0.001) == (n >= *min_wilcoxon_pairs(0.001)));
    }
  }
}

TEST_CASE("online Holm keeps false acceptances per window near alpha under the null", "[stats]") {
  // 400 windows of 50 null experiments with n = 10 exact Wilcoxon tests: the family-wise
  // error rate is at most 0.05 (here 1 - (1 - 2^-10)^50 = 0.048); uncorrected would be ~0.9.
  AcceptanceRule rule;
  anneal::stats::WilcoxonOptions greater;
  greater.alternative = anneal::stats::Alternative::greater;
  anneal::Rng rng(20240604);
  int windows_with_false = 0;
  const int windows = 400;
  for (int w = 0; w < windows; ++w) {
    AcceptanceWindow window;
    bool any = false;
    for (int e = 0; e < rule.window; ++e) {
      std::vector<double> d(10);
      for (double& x : d)
        x = rng.normal();
      auto p = anneal::stats::wilcoxon(d, greater);
      REQUIRE(p);
      auto verdict = decide_acceptance(rule, window, p->pvalue);
      REQUIRE(verdict);
      any = any || verdict->accept;
      window = verdict->next;
    }
    windows_with_false += any;
  }
  // Binomial(400, 0.048): mean 19, sd 4.3; 40 is far beyond chance, 0 would mean no test ran.
  CHECK(windows_with_false > 3);
  CHECK(windows_with_false < 40);
}
