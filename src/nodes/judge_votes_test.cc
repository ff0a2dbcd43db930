#include "nodes/judge_votes.h"

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

using namespace anneal::nodes;
using Approx = Catch::Detail::Approx;

TEST_CASE("majority: the pass rate of answered votes decides", "[nodes]") {
  auto m = JudgeMethod::majority;
  CHECK(pass_rate({2, 1, 0}, m) == Approx(2.0 / 3));
  CHECK(passed({2, 1, 0}, m) == 1);
  CHECK(passed({1, 2, 0}, m) == 0);
  CHECK(passed({1, 1, 1}, m) == 0.5);
  SECTION("missing votes count neither way") {
    CHECK(pass_rate({1, 0, 2}, m) == 1);
    CHECK(passed({1, 0, 2}, m) == 1);
  }
  SECTION("no answered vote is a fail, never a pass") {
    CHECK(pass_rate({0, 0, 3}, m) == 0);
    CHECK(passed({0, 0, 3}, m) == 0);
  }
}

TEST_CASE("bradley-terry: the posterior Beta(1 + yes, 1 + no) decides", "[nodes]") {
  auto bt = JudgeMethod::bradley_terry;
  CHECK(pass_rate({3, 1, 0}, bt) == Approx(4.0 / 6));
  CHECK(pass_rate({0, 0, 2}, bt) == 0.5);
  SECTION("credible interval of Beta(6, 1): [0.025^(1/6), 0.975^(1/6)]") {
    CredibleInterval interval = credible_interval({5, 0, 0});
    CHECK(interval.low == Approx(std::pow(0.025, 1.0 / 6)));
    CHECK(interval.high == Approx(std::pow(0.975, 1.0 / 6)));
  }
  SECTION("five unanimous votes settle a criterion, four do not") {
    CHECK(settled({5, 0, 0}));
    CHECK(settled({0, 5, 0}));
    CHECK_FALSE(settled({4, 0, 0}));
    CHECK_FALSE(settled({0, 4, 3}));
    CHECK_FALSE(settled({5, 5, 0}));
    CHECK(passed({5, 0, 0}, bt) == 1);
    CHECK(passed({0, 5, 0}, bt) == 0);
  }
  SECTION("unsettled criteria pass by the posterior mean") {
    CHECK(passed({3, 1, 0}, bt) == 1);
    CHECK(passed({2, 2, 0}, bt) == 0.5);
    CHECK(passed({1, 3, 0}, bt) == 0);
  }
  SECTION("a criterion nobody answered fails under either method: missing is never YES") {
    CHECK(passed({0, 0, 4}, bt) == 0);
    CHECK(passed({0, 0, 4}, JudgeMethod::majority) == 0);
  }
  SECTION("all_settled needs every criterion") {
    std::vector<CriterionTally> tallies = {{6, 0, 0}, {0, 7, 0}};
    CHECK(all_settled(tallies));
    tallies.push_back({3, 3, 0});
    CHECK_FALSE(all_settled(tallies));
  }
}

TEST_CASE("sample_score is the mean of the criteria's passes", "[nodes]") {
  std::vector<CriterionTally> tallies = {{3, 0, 0}, {0, 3, 0}, {1, 1, 1}, {2, 1, 0}};
  CHECK(sample_score(tallies, JudgeMethod::majority) == Approx((1 + 0 + 0.5 + 1) / 4.0));
  CHECK(sample_score({}, JudgeMethod::majority) == 0);
}

TEST_CASE("judge methods by name", "[nodes]") {
  CHECK(judge_method_from_name("majority") == JudgeMethod::majority);
  CHECK(judge_method_from_name("bradley-terry") == JudgeMethod::bradley_terry);
  CHECK_FALSE(judge_method_from_name("bradley_terry").has_value());
  CHECK(judge_method_name(JudgeMethod::bradley_terry) == "bradley-terry");
}
