// Sequential judging against the fixed-n test: judge calls per decision, false acceptances per
// 50-experiment window, and the acceptance rate of true improvements (judge.test.sequential,
// graph/sequential_judging.h). A simulation: no network, no anneal process.
//
// The model follows what anneal does. A target has n samples; each sample i has a difficulty
// q_i ~ Beta(2, 2), the chance that a criterion passes for the incumbent. A judge node scores
// a sample as the fraction of K = 4 criteria passed (each a Bernoulli draw: the judge's noise).
// A candidate's chance on sample i is logistic(logit(q_i) + theta). Its differences from the
// incumbent are paired with the incumbent's *recorded* scores, drawn once per incumbent (as
// anneal stores them and caches its judge calls); a kept candidate becomes the incumbent with
// its own recorded scores and chances (in the null and mix scenarios; in the d = 0.5 and
// d = 0.8 ones every candidate faces the same incumbent, so that "a true improvement of d"
// stays one: kept improvements would otherwise push the chances towards 1, where no test
// sees a difference, and the power measured would be that of saturation). theta is set, by bisection over a large simulated
// population, so that the effect size d = E[D] / sd(D) of the paired differences is the one
// asked for (0.5, 0.8; -0.8 for a clearly worse candidate); the table prints theta.
//
// Both methods hold their p-value to the online Holm level alpha / (window - kept) with
// alpha = 0.05 and window = 50, and need the mean difference > 0 (min_improvement 0):
//   fixed-n      every sample judged, one-sided Wilcoxon signed-rank (exact / normal as anneal)
//   sequential   batches of 6 in a fixed order, the betting e-process of
//                stats/sequential_testing.h; the incumbent judged on samples it lacks (after an
//                early keep) when a candidate reaches them, counted as calls too
//   symmetric    the same batches with symmetric_test below (a sign-flip e-process, tried)
//   futility     the same batches with stats/predictive_futility.h: the fixed-n Wilcoxon test
//                once all samples are in, stopped early when its predictive power < 0.01 or
//                it can no longer reach the level (judge.test.early_stop: futility)
// A judged sample costs `votes` = 3 calls in both.
//
// Scenarios, per window of 50 experiments: null (every candidate as good as the incumbent),
// d = 0.5 and d = 0.8 (every candidate a true improvement), and a mix (70% worse at d = -0.8,
// 20% null, 10% better at d = 0.5). A false acceptance keeps a candidate with theta <= 0.
//
// Usage: bench_sequential_judging [windows] [seed]   (defaults: 200 windows, seed 20261204)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "stats/acceptance_rule.h"
#include "stats/predictive_futility.h"
#include "stats/sequential_testing.h"
#include "stats/wilcoxon.h"
#include "util/random.h"

using anneal::mix_seed;
using anneal::Rng;

namespace {

constexpr double k_alpha = 0.05;
constexpr int k_window = 50;
constexpr int k_criteria = 4;
constexpr int k_votes = 3;
constexpr size_t k_batch = 6;

double logistic(double x) { return 1 / (1 + std::exp(-x)); }
double logit(double p) { return std::log(p / (1 - p)); }

/// A Beta(2, 2) deviate: the median of three uniforms.
double beta22(Rng& rng) {
  double a = rng.uniform(), b = rng.uniform(), c = rng.uniform();
  return std::max(std::min(a, b), std::min(std::max(a, b), c));
}

double score(Rng& rng, double chance) {
  int passed = 0;
  for (int k = 0; k < k_criteria; ++k)
    passed += rng.uniform() < chance;
  return static_cast<double>(passed) / k_criteria;
}

double clamp_chance(double p) { return std::clamp(p, 1e-6, 1 - 1e-6); }

/// d = E[D] / sd(D) of the differences for a candidate at `theta` from a fresh incumbent.
double effect_size(double theta, uint64_t seed) {
  Rng rng(seed);
  const int draws = 200000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < draws; ++i) {
    double q = clamp_chance(beta22(rng));
    double d = score(rng, logistic(logit(q) + theta)) - score(rng, q);
    sum += d;
    sum2 += d * d;
  }
  double mean = sum / draws;
  return mean / std::sqrt(sum2 / draws - mean * mean);
}

/// theta with effect_size(theta) = d, by bisection (the same seed every step: monotone).
double theta_for(double d, uint64_t seed) {
  if (d == 0)
    return 0;
  double lo = -8, hi = 8;
  for (int i = 0; i < 40; ++i) {
    double mid = (lo + hi) / 2;
    (effect_size(mid, seed) < d ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

/// A candidate for the next step, not in anneal yet: an e-process for the null that the
/// Wilcoxon test assumes, D symmetric about 0. Given |D_i| its sign is then a fair coin, so a
/// bet tanh(kappa * D_i) (any stake below 1 on the sign, larger for larger |D_i|) keeps the
/// wealth a martingale however small the differences are: the stake is not held below 1/|min D|
/// as the bounded-mean bets of stats/sequential_testing.h are. An equal mixture over kappa, the
/// same futility rules.
anneal::stats::SequentialVerdict symmetric_test(const std::vector<double>& d, const anneal::stats::SequentialOptions& o) {
  static const double kappas[] = {0.5, 1, 2, 3, 4, 6, 8, 12};
  constexpr size_t g = std::size(kappas);
  double up[g], down[g];
  for (size_t j = 0; j < g; ++j)
    up[j] = down[j] = 1;
  anneal::stats::SequentialVerdict v;
  double sum = 0;
  for (double x : d) {
    ++v.n;
    sum += x;
    double mean_up = 0, mean_down = 0, best = 0;
    for (size_t j = 0; j < g; ++j) {
      up[j] *= 1 + std::tanh(kappas[j] * x);
      down[j] *= 1 - std::tanh(kappas[j] * x);
      mean_up += up[j] / g;
      mean_down += down[j] / g;
      best += up[j] * std::pow(1 + std::tanh(kappas[j]), static_cast<double>(o.total - v.n)) / g;
    }
    v.e_value = std::max(v.e_value, mean_up);
    v.e_worse = std::max(v.e_worse, mean_down);
    v.pvalue = std::min(1.0, 1 / v.e_value);
    v.stop = v.pvalue <= o.level && sum / v.n > o.min_mean      ? anneal::stats::SequentialStop::Better
             : v.e_worse >= 1 / o.futility                        ? anneal::stats::SequentialStop::Worse
             : best < 1 / o.level && v.e_value < 1 / o.level ? anneal::stats::SequentialStop::Unreachable
                                                                  : anneal::stats::SequentialStop::Continue;
    if (v.stop != anneal::stats::SequentialStop::Continue)
      return v;
  }
  v.stop = v.n == o.total ? anneal::stats::SequentialStop::Exhausted : anneal::stats::SequentialStop::Continue;
  return v;
}

enum class Method { Fixed, Sequential, Symmetric, Futility };
constexpr int k_methods = 4;
const char* const k_method_names[k_methods] = {"fixed-n", "betting", "symmetric", "futility"};

struct Tally {
  long decisions = 0, calls = 0;
  long false_accepts = 0, windows = 0, windows_with_false = 0;
  long improvements = 0, improvements_kept = 0;
};

/// The incumbent as anneal knows it: its chances and the scores recorded so far (NaN: not
/// judged on that sample yet).
struct Incumbent {
  std::vector<double> chance, recorded;
};

/// One window of `thetas` experiments on n samples; adds to `t`.
void run_window(Method method, size_t n, const std::vector<double>& thetas, bool replace, uint64_t seed, Tally& t) {
  Rng rng(seed);
  Incumbent inc;
  for (size_t i = 0; i < n; ++i) {
    inc.chance.push_back(clamp_chance(beta22(rng)));
    inc.recorded.push_back(score(rng, inc.chance[i]));  // the baseline is judged whole
  }
  anneal::stats::AcceptanceRule rule{k_alpha, k_window};
  anneal::stats::AcceptanceWindow window;
  long false_here = 0;
  for (double theta : thetas) {
    std::vector<double> chance(n), scores(n, NAN);
    for (size_t i = 0; i < n; ++i)
      chance[i] = clamp_chance(logistic(logit(inc.chance[i]) + theta));
    // Each candidate's draws come from its own stream, the same for both methods.
    Rng draws(mix_seed(seed, t.decisions + 1));
    std::vector<double> own(n), incumbent_late(n);
    for (size_t i = 0; i < n; ++i) {
      own[i] = score(draws, chance[i]);
      incumbent_late[i] = score(draws, inc.chance[i]);
    }
    long judged = 0;
    double pvalue = 1;
    bool better = false;
    std::vector<double> differences;
    if (method == Method::Fixed) {
      for (size_t i = 0; i < n; ++i) {
        scores[i] = own[i];
        differences.push_back(own[i] - inc.recorded[i]);
      }
      judged = static_cast<long>(n);
      anneal::stats::WilcoxonOptions options;
      options.alternative = anneal::stats::Alternative::greater;
      bool all_zero = std::all_of(differences.begin(), differences.end(), [](double d) { return d == 0; });
      if (!all_zero) {
        auto w = anneal::stats::wilcoxon(differences, options);
        if (!w) {
          std::fprintf(stderr, "wilcoxon: %s\n", w.error().message.c_str());
          std::exit(1);
        }
        pvalue = std::isnan(w->pvalue) ? 1 : w->pvalue;
      }
      double mean = 0;
      for (double d : differences)
        mean += d / n;
      better = mean > 0;
    } else {
      anneal::stats::SequentialOptions options;
      options.level = anneal::stats::next_level(rule, window);
      options.total = n;
      options.futility = 0.05;
      for (size_t seen = 0; seen < n;) {
        for (size_t end = std::min(n, seen + k_batch); seen < end; ++seen) {
          if (std::isnan(inc.recorded[seen])) {
            inc.recorded[seen] = incumbent_late[seen];
            ++judged;
          }
          scores[seen] = own[seen];
          ++judged;
          differences.push_back(own[seen] - inc.recorded[seen]);
        }
        anneal::stats::FutilityOptions futility;
        futility.level = options.level;
        futility.total = n;
        auto v = method == Method::Symmetric  ? anneal::Result<anneal::stats::SequentialVerdict>(
                                                   symmetric_test(differences, options))
                 : method == Method::Futility ? anneal::stats::futility_test(differences, futility)
                                              : anneal::stats::betting_test(differences, options);
        if (!v) {
          std::fprintf(stderr, "betting_test: %s\n", v.error().message.c_str());
          std::exit(1);
        }
        if (v->stop != anneal::stats::SequentialStop::Continue) {
          better = v->stop == anneal::stats::SequentialStop::Better;
          pvalue = better ? v->pvalue : 1;
          break;
        }
      }
    }
    auto verdict = anneal::stats::decide_acceptance(rule, window, pvalue);
    if (!verdict) {
      std::fprintf(stderr, "decide_acceptance: %s\n", verdict.error().message.c_str());
      std::exit(1);
    }
    bool keep = verdict->accept && better;
    window = verdict->next;
    if (verdict->accept && !keep)
      --window.accepted;
    ++t.decisions;
    t.calls += judged * k_votes;
    if (theta > 0) {
      ++t.improvements;
      t.improvements_kept += keep;
    } else if (keep) {
      ++false_here;
    }
    if (keep && replace) {
      inc.chance = chance;
      inc.recorded = scores;  // NaN where the sequential test did not judge it
    }
  }
  ++t.windows;
  t.false_accepts += false_here;
  t.windows_with_false += false_here > 0;
}

}  // namespace

int main(int argc, char** argv) {
  int windows = argc > 1 ? std::atoi(argv[1]) : 200;
  uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20261204;
  const double worse = theta_for(-0.8, seed), half = theta_for(0.5, seed), strong = theta_for(0.8, seed);
  std::printf("sequential judging vs fixed-n online Holm: %d windows of %d experiments per cell, seed %llu\n", windows,
              k_window, static_cast<unsigned long long>(seed));
  std::printf("alpha %.2f per window, %d criteria per sample, %d votes (calls) per judged sample, batch %zu\n",
              k_alpha, k_criteria, k_votes, k_batch);
  std::printf("theta (logit shift) for d = -0.8: %.3f, d = 0.5: %.3f, d = 0.8: %.3f (measured d: %.3f, %.3f, %.3f)\n\n",
              worse, half, strong, effect_size(worse, seed + 1), effect_size(half, seed + 1),
              effect_size(strong, seed + 1));

  struct Named {
    const char* name;
    std::vector<double> (*make)(Rng&, double, double, double);
  };
  const Named scenarios[] = {
      {"null", [](Rng&, double, double, double) { return std::vector<double>(k_window, 0.0); }},
      {"d=0.5", [](Rng&, double, double h, double) { return std::vector<double>(k_window, h); }},
      {"d=0.8", [](Rng&, double, double, double s) { return std::vector<double>(k_window, s); }},
      {"mix 70/20/10",
       [](Rng& rng, double w, double h, double) {
         std::vector<double> out;
         for (int i = 0; i < k_window; ++i) {
           double u = rng.uniform();
           out.push_back(u < 0.7 ? w : u < 0.9 ? 0.0 : h);
         }
         return out;
       }},
  };
  std::printf("%-13s %3s  %-10s %12s %14s %14s %10s\n", "scenario", "n", "method", "calls/dec", "false/window",
              "windows w/ FA", "power");
  for (const auto& scenario : scenarios) {
    for (size_t n : {12, 30, 60}) {
      Tally tally[k_methods];
      for (int w = 0; w < windows; ++w) {
        uint64_t window_seed = mix_seed(mix_seed(seed, n), static_cast<uint64_t>(w) + 1000 * (&scenario - scenarios));
        Rng rng(window_seed);
        std::vector<double> thetas = scenario.make(rng, worse, half, strong);
        bool replace = scenario.name[0] == 'n' || scenario.name[0] == 'm';
        run_window(Method::Fixed, n, thetas, replace, window_seed, tally[0]);
        run_window(Method::Sequential, n, thetas, replace, window_seed, tally[1]);
        run_window(Method::Symmetric, n, thetas, replace, window_seed, tally[2]);
        run_window(Method::Futility, n, thetas, replace, window_seed, tally[3]);
      }
      for (int m = 0; m < k_methods; ++m) {
        const Tally& t = tally[m];
        std::string power = t.improvements ? std::to_string(100.0 * t.improvements_kept / t.improvements).substr(0, 5) + "%"
                                           : "-";
        std::printf("%-13s %3zu  %-10s %12.1f %14.4f %13.1f%% %10s\n", scenario.name, n,
                    k_method_names[m], static_cast<double>(t.calls) / t.decisions,
                    static_cast<double>(t.false_accepts) / t.windows, 100.0 * t.windows_with_false / t.windows,
                    power.c_str());
      }
      std::printf("%-13s %3zu  %-10s", "", n, "saved");
      for (int m = 1; m < k_methods; ++m)
        std::printf(" %s %.0f%%", k_method_names[m], 100.0 * (1 - static_cast<double>(tally[m].calls) / tally[0].calls));
      std::printf("\n");
    }
  }
  return 0;
}
