#include "stats/predictive_futility.h"

#include <cmath>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

using namespace anneal::stats;

namespace {

FutilityOptions options(double level, size_t total) {
  FutilityOptions o;
  o.level = level;
  o.total = total;
  return o;
}

/// n paired differences as anneal's judge makes them: per sample the fraction of 4 criteria
/// passed, the incumbent with chance q ~ U(0.1, 0.9), the candidate logistic(logit(q) + theta).
std::vector<double> judged_differences(std::mt19937_64& rng, size_t n, double theta) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> d;
  for (size_t i = 0; i < n; ++i) {
    double q = 0.1 + 0.8 * u(rng);
    double c = 1 / (1 + std::exp(-(std::log(q / (1 - q)) + theta)));
    int mine = 0, theirs = 0;
    for (int k = 0; k < 4; ++k) {
      mine += u(rng) < c;
      theirs += u(rng) < q;
    }
    d.push_back((mine - theirs) / 4.0);
  }
  return d;
}

/// What the fixed-n test decides on the same differences: Wilcoxon p <= level, mean > 0.
bool fixed_n_keeps(const std::vector<double>& d, double level) {
  double sum = 0;
  bool zero = true;
  for (double x : d) {
    sum += x;
    zero = zero && x == 0;
  }
  if (zero || sum <= 0)
    return false;
  WilcoxonOptions o;
  o.alternative = Alternative::greater;
  auto w = wilcoxon(d, o);
  REQUIRE(w);
  return w->pvalue <= level;
}

}  // namespace

TEST_CASE("the predictive power is SciPy's Student t and normal quantiles on the judged differences", "[stats]") {
  // scipy 1.10.1: t.sf((max(norm.isf(level) * sd * sqrt(n), n * min_mean) - n * mean) /
  //                    (sd * sqrt(m + m * m / s)), s - 1), sd = max(std(d, ddof=1), 0.05)
  struct Case {
    std::vector<double> d;
    size_t n;
    double level, min_mean, expected;
  };
  const Case cases[] = {
      {{0.25, -0.25, 0.5, 0, 0.25, -0.5}, 30, 0.001, 0, 0.13584318317424957},
      {{0.25, 0.5, 0, 0.25, 0.75, -0.25, 0.5, 0.25}, 30, 0.001, 0, 0.8496993291720999},
      {{-0.25, -0.5, 0, -0.25, 0.25, -0.5}, 30, 0.05, 0, 0.019575765842019754},
      {{0, 0, 0, 0, 0, 0}, 30, 0.001, 0, 0.09148907607497922},  // the spread's floor
      {std::vector<double>(12, 0.0), 30, 0.001, 0, 0.014157847704043502},
      {{0.25, 0.5, 0, 0.25, 0.75, -0.25, 0.5, 0.25}, 30, 0.001, 0.4, 0.12424541367040293},  // min_mean bars
  };
  for (const auto& c : cases) {
    INFO(c.d.size() << " differences of " << c.n << " at level " << c.level);
    CHECK(predictive_power(c.d, c.n, c.level, c.min_mean) == Approx(c.expected).epsilon(1e-9));
  }
  CHECK(std::isnan(predictive_power(std::vector<double>{1}, 30, 0.001)));        // no spread yet
  CHECK(std::isnan(predictive_power(std::vector<double>(30, 0.5), 30, 0.001)));  // nothing to predict
}

TEST_CASE("the futility test stops a clearly worse candidate after six samples and says why", "[stats]") {
  std::vector<double> d = {-0.25, -0.5, 0, -0.25, 0.25, -0.5, -0.25, -0.75, 0, -0.5};
  auto v = futility_test(d, options(0.05, 30));
  REQUIRE(v);
  CHECK(v->stop == SequentialStop::Worse);
  CHECK(v->n == 7);  // 0.0196 after six is above 0.01; the seventh, -0.25, takes it below
  CHECK(v->predictive < 0.01);
  CHECK(v->reason.find("after 7 of 30 samples") != std::string::npos);
  // Before the sixth difference it does not stop at all, however bad they look.
  auto early = futility_test(std::vector<double>(5, -1.0), options(0.05, 30));
  REQUIRE(early);
  CHECK(early->stop == SequentialStop::Continue);
}

TEST_CASE("the futility test keeps a better candidate only when every sample is in, as the fixed-n test does",
          "[stats]") {
  std::vector<double> d(30, 0.5);
  d[3] = -0.25;
  auto most = futility_test(std::span<const double>(d).first(29), options(0.001, 30));
  REQUIRE(most);
  CHECK(most->stop == SequentialStop::Continue);
  CHECK(most->predictive > 0.99);
  auto all = futility_test(d, options(0.001, 30));
  REQUIRE(all);
  CHECK(all->stop == SequentialStop::Better);
  CHECK(all->n == 30);
  WilcoxonOptions o;
  o.alternative = Alternative::greater;
  CHECK(all->pvalue == wilcoxon(d, o)->pvalue);
  SECTION("min_mean: the fixed-n test's p-value is not enough without the gain") {
    FutilityOptions high = options(0.001, 30);
    high.min_mean = 0.5;
    auto v = futility_test(d, high);
    REQUIRE(v);
    CHECK(v->stop != SequentialStop::Better);
  }
}

TEST_CASE("the futility test stops what can no longer reach the level, even at +1 on every sample left",
          "[stats]") {
  // Twelve samples at 0.001: with -0.5 among the first six, six more +1s give the exact
  // Wilcoxon p 0.00171 (scipy 1.10.1); with -0.25 there, 0.000732, which would do.
  std::vector<double> d = {0.25, 0.5, -0.5, 0.25, 0.5, 0.75};
  auto v = futility_test(d, options(0.001, 12));
  REQUIRE(v);
  CHECK(v->stop == SequentialStop::Unreachable);
  CHECK(v->n == 6);
  d[2] = -0.25;
  auto reachable = futility_test(d, options(0.001, 12));
  REQUIRE(reachable);
  CHECK(reachable->stop == SequentialStop::Continue);
}

TEST_CASE("the futility test never keeps a candidate the fixed-n test would refuse", "[stats]") {
  // Its type-I error is the fixed-n test's: on 20000 null runs (differences symmetric about 0)
  // every "better" is a fixed-n acceptance on the same differences, and the rate stays at 5%.
  std::mt19937_64 rng(2026);
  std::uniform_int_distribution<int> pick(-4, 4);
  int kept = 0, fixed = 0;
  const int runs = 20000;
  for (int run = 0; run < runs; ++run) {
    std::vector<double> d;
    for (int i = 0; i < 30; ++i)
      d.push_back(pick(rng) / 4.0);
    bool fixed_keeps = fixed_n_keeps(d, 0.05);
    fixed += fixed_keeps;
    // Batch by batch, as anneal asks it.
    for (size_t seen = 6; seen <= d.size(); seen += 6) {
      auto v = futility_test(std::span<const double>(d).first(seen), options(0.05, 30));
      REQUIRE(v);
      if (v->stop == SequentialStop::Continue)
        continue;
      if (v->stop == SequentialStop::Better) {
        ++kept;
        CHECK(fixed_keeps);
      }
      break;
    }
  }
  CHECK(kept <= fixed);
  CHECK(kept < runs * 0.05 + 3 * std::sqrt(runs * 0.05 * 0.95));
  CHECK(fixed > runs * 0.03);  // the null runs do reach the fixed-n test's level: the check can fail
}

TEST_CASE("the futility test keeps the fixed-n test's power and judges a worse candidate on few samples",
          "[stats]") {
  // 30 samples at the first level of a window of 50 (0.001). d = 0.8 improvements (theta
  // 1.34): the fixed-n test keeps about 80%; the futility test may lose at most 2 points of
  // that. Worse candidates (theta -1.33, d = -0.8): judged on at most 10 samples on average.
  std::mt19937_64 rng(20261206);
  const int runs = 2000;
  int fixed = 0, kept = 0;
  for (int run = 0; run < runs; ++run) {
    std::vector<double> d = judged_differences(rng, 30, 1.339);
    fixed += fixed_n_keeps(d, 0.001);
    for (size_t seen = 6; seen <= d.size(); seen += 6) {
      auto v = futility_test(std::span<const double>(d).first(seen), options(0.001, 30));
      REQUIRE(v);
      if (v->stop == SequentialStop::Continue)
        continue;
      kept += v->stop == SequentialStop::Better;
      break;
    }
  }
  INFO("fixed-n kept " << fixed << ", futility kept " << kept << " of " << runs);
  CHECK(fixed > runs * 0.6);
  CHECK(kept >= fixed - runs * 0.02);
  long judged = 0;
  for (int run = 0; run < runs; ++run) {
    std::vector<double> d = judged_differences(rng, 30, -1.33);
    for (size_t seen = 6; seen <= d.size(); seen += 6) {
      auto v = futility_test(std::span<const double>(d).first(seen), options(0.001, 30));
      REQUIRE(v);
      if (v->stop == SequentialStop::Continue && seen < d.size())
        continue;
      CHECK(v->stop != SequentialStop::Better);
      judged += static_cast<long>(seen);
      break;
    }
  }
  CHECK(judged < runs * 10);
}

TEST_CASE("the futility test refuses bad input", "[stats]") {
  CHECK_FALSE(futility_test(std::vector<double>{1.5}, options(0.01, 3)));
  CHECK_FALSE(futility_test(std::vector<double>{0, 0}, options(0.01, 1)));
  CHECK_FALSE(futility_test(std::vector<double>{0}, options(0, 1)));
  FutilityOptions o = options(0.01, 3);
  o.futility = 1;
  CHECK_FALSE(futility_test(std::vector<double>{0}, o));
  auto none = futility_test({}, options(0.001, 20));
  REQUIRE(none);
  CHECK(none->stop == SequentialStop::Continue);
}
