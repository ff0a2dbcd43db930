// Multiple-comparison control for the decide node: how many candidates are accepted falsely
// in a window of experiments, and how many real improvements still get through, for each
// rule that could sit between the paired Wilcoxon test and the decision.
//
// Every experiment compares a candidate with the incumbent on n samples: the paired
// differences (candidate - incumbent) are drawn from N(d, 1), d = 0 under the null, and the
// one-sided exact Wilcoxon signed-rank test (alternative "greater") gives a p-value. A rule
// turns the p-value into accept/refuse *when the experiment finishes*: a decision is never
// revisited, because an accepted candidate has become the incumbent. So Holm applied to the
// window afterwards is not a rule the decide node can use; its online form is. Windows hold
// 50 experiments; every rule starts afresh at the start of a window. The rules, with
// alpha = 0.05, m = 50, i = the experiment's place in the window (1-based), k = the
// acceptances so far in the window:
//
//   uncorrected      p <= alpha
//   Bonferroni       p <= alpha / m
//   online Holm      p <= alpha / (m - k)            (stats/acceptance_rule.h; FWER <= alpha)
//   alpha-spending   p <= alpha * gamma_i, gamma_i = (1/i) / H_m, sum of gamma = 1: early
//                    experiments get more of the window's alpha (FWER <= alpha)
//   alpha-investing  Foster & Stine (2008): wealth W starts at alpha (1 - alpha); each test
//                    bets W / (tests left in the window), costs the bet when refused and
//                    earns alpha when accepted (mFDR <= alpha, not FWER: acceptances fund
//                    more tests)
//
// Usage: bench_multiple_comparisons [windows] [seed]
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "stats/acceptance_rule.h"
#include "stats/wilcoxon.h"
#include "util/random.h"

using anneal::mix_seed;
using anneal::Rng;

namespace {

constexpr double k_alpha = 0.05;
constexpr int k_window = 50;

enum class RuleKind { uncorrected, bonferroni, online_holm, alpha_spending, alpha_investing };

/// The bookkeeping of the rules written out here (online Holm keeps its own).
struct RuleState {
  int tested = 0;  // experiments decided so far in this window
  double wealth = 0;
};

const char* rule_name(RuleKind kind) {
  switch (kind) {
    case RuleKind::uncorrected:
      return "uncorrected 0.05";
    case RuleKind::bonferroni:
      return "Bonferroni 0.05/50";
    case RuleKind::online_holm:
      return "online Holm 0.05/(50-k)";
    case RuleKind::alpha_spending:
      return "alpha-spending 1/i";
    case RuleKind::alpha_investing:
      return "alpha-investing";
  }
  return "?";
}

double harmonic(int m) {
  double h = 0;
  for (int i = 1; i <= m; ++i)
    h += 1.0 / i;
  return h;
}

RuleState start(RuleKind kind) {
  RuleState state;
  if (kind == RuleKind::alpha_investing)
    state.wealth = k_alpha * (1 - k_alpha);
  return state;
}

/// The level the next p-value is held to, for every rule but online Holm.
double level(RuleKind kind, const RuleState& state) {
  switch (kind) {
    case RuleKind::uncorrected:
      return k_alpha;
    case RuleKind::bonferroni:
      return k_alpha / k_window;
    case RuleKind::online_holm:
      break;
    case RuleKind::alpha_spending:
      return k_alpha / ((state.tested + 1) * harmonic(k_window));
    case RuleKind::alpha_investing: {
      // Level l costs l / (1 - l) when refused; choose l so that this is exactly the bet.
      double bet = state.wealth / (k_window - state.tested);
      return bet / (1 + bet);
    }
  }
  std::fprintf(stderr, "online Holm decides through stats::decide_acceptance\n");
  std::exit(1);
}

void record(RuleKind kind, RuleState& state, double used_level, bool accepted) {
  ++state.tested;
  if (kind == RuleKind::alpha_investing)
    state.wealth += accepted ? k_alpha : -used_level / (1 - used_level);
}

/// One experiment's p-value: n paired differences from N(effect, 1).
double experiment_pvalue(Rng& rng, int n, double effect) {
  std::vector<double> differences(static_cast<size_t>(n));
  for (double& d : differences)
    d = effect + rng.normal();
  anneal::stats::WilcoxonOptions options;
  options.alternative = anneal::stats::Alternative::greater;
  auto result = anneal::stats::wilcoxon(differences, options);
  if (!result) {
    std::fprintf(stderr, "wilcoxon: %s\n", result.error().message.c_str());
    std::exit(1);
  }
  return result->pvalue;
}

/// The p-values of one window and which experiments were real improvements.
struct Window {
  std::vector<double> pvalues;
  std::vector<bool> improving;
};

/// `windows` windows of one scenario, drawn once so that every rule judges the same p-values.
template <class Effects>
std::vector<Window> draw(int windows, int n, uint64_t seed, Effects effects_of) {
  std::vector<Window> drawn;
  for (int w = 0; w < windows; ++w) {
    Rng rng(mix_seed(seed, static_cast<uint64_t>(w)));
    Window window;
    for (double effect : effects_of(rng)) {
      window.pvalues.push_back(experiment_pvalue(rng, n, effect));
      window.improving.push_back(effect > 0);
    }
    drawn.push_back(std::move(window));
  }
  return drawn;
}

struct Tally {
  double false_per_window = 0;  // null candidates accepted, per window
  double windows_with_false = 0;
  double true_rate = 0;  // share of real improvements accepted
};

/// Online Holm decides through the library the decide node calls; the others as above.
bool decide(RuleKind kind, RuleState& state, anneal::stats::AcceptanceWindow& holm, double p) {
  if (kind == RuleKind::online_holm) {
    auto verdict = anneal::stats::decide_acceptance({k_alpha, k_window}, holm, p);
    if (!verdict) {
      std::fprintf(stderr, "%s\n", verdict.error().message.c_str());
      std::exit(1);
    }
    holm = verdict->next;
    return verdict->accept;
  }
  double used = level(kind, state);
  bool accepted = p <= used;
  record(kind, state, used, accepted);
  return accepted;
}

Tally judge(RuleKind kind, const std::vector<Window>& windows) {
  Tally tally;
  double improvements = 0, accepted_improvements = 0;
  for (const Window& window : windows) {
    RuleState state = start(kind);
    anneal::stats::AcceptanceWindow holm;
    int false_here = 0;
    for (size_t i = 0; i < window.pvalues.size(); ++i) {
      bool accepted = decide(kind, state, holm, window.pvalues[i]);
      if (window.improving[i]) {
        ++improvements;
        accepted_improvements += accepted;
      } else {
        false_here += accepted;
      }
    }
    tally.false_per_window += false_here;
    tally.windows_with_false += false_here > 0;
  }
  tally.false_per_window /= static_cast<double>(windows.size());
  tally.windows_with_false /= static_cast<double>(windows.size());
  tally.true_rate = improvements > 0 ? accepted_improvements / improvements : 0;
  return tally;
}

std::vector<double> constant(double effect) {
  return std::vector<double>(k_window, effect);
}

/// A window as a search sees it: mostly candidates no better than the incumbent, and
/// `improvements` real ones at random places.
std::vector<double> mixed(Rng& rng, int improvements, double effect) {
  std::vector<double> effects(k_window, 0.0);
  for (int placed = 0; placed < improvements;) {
    size_t at = rng.below(k_window);
    if (effects[at] == 0) {
      effects[at] = effect;
      ++placed;
    }
  }
  return effects;
}

struct Scenarios {
  std::vector<Window> null, half, large, mixed_large, mixed_half;
};

Scenarios draw_all(int windows, int n, uint64_t seed) {
  return {draw(windows, n, mix_seed(seed, 1), [](Rng&) { return constant(0); }),
          draw(windows, n, mix_seed(seed, 2), [](Rng&) { return constant(0.5); }),
          draw(windows, n, mix_seed(seed, 3), [](Rng&) { return constant(0.8); }),
          draw(windows, n, mix_seed(seed, 4), [](Rng& rng) { return mixed(rng, 5, 0.8); }),
          draw(windows, n, mix_seed(seed, 5), [](Rng& rng) { return mixed(rng, 5, 0.5); })};
}

constexpr RuleKind k_rules[] = {RuleKind::uncorrected, RuleKind::bonferroni, RuleKind::online_holm,
                                RuleKind::alpha_spending, RuleKind::alpha_investing};

void print_table(int windows, int n, uint64_t seed) {
  Scenarios s = draw_all(windows, n, seed);
  std::printf(
      "\n%d windows of %d experiments, n = %d pairs per experiment, seed %llu "
      "(sampling error of false/w about %.3f near 0.05)\n",
      windows, k_window, n, static_cast<unsigned long long>(seed), std::sqrt(0.05 / windows));
  std::printf("%-24s | %-16s | %-8s | %-8s | %-25s | %-25s\n", "", "pure null", "all 0.5", "all 0.8",
              "45 null + 5 at d=0.8", "45 null + 5 at d=0.5");
  std::printf("%-24s | %7s %8s | %8s | %8s | %7s %8s %8s | %7s %8s %8s\n", "rule", "false/w", "P(any)",
              "accepted", "accepted", "false/w", "P(any)", "accepted", "false/w", "P(any)", "accepted");
  for (RuleKind kind : k_rules) {
    Tally null = judge(kind, s.null), half = judge(kind, s.half), large = judge(kind, s.large);
    Tally mix8 = judge(kind, s.mixed_large), mix5 = judge(kind, s.mixed_half);
    std::printf("%-24s | %7.3f %8.3f | %8.3f | %8.3f | %7.3f %8.3f %8.3f | %7.3f %8.3f %8.3f\n",
                rule_name(kind), null.false_per_window, null.windows_with_false, half.true_rate,
                large.true_rate, mix8.false_per_window, mix8.windows_with_false, mix8.true_rate,
                mix5.false_per_window, mix5.windows_with_false, mix5.true_rate);
  }
}

/// How many pairs the goal needs: the corrected rules only, over n.
void print_pairs_needed(int windows, uint64_t seed) {
  std::printf(
      "\npairs needed, %d windows per n (sampling error of false/w about %.3f near 0.05)\n"
      "goal: false/w <= 0.05 and accepted at d=0.8 >= 0.80\n",
      windows, std::sqrt(0.05 / windows));
  std::printf("%4s | %-24s | %7s | %8s | %8s | %7s %8s\n", "n", "rule", "false/w", "all 0.5", "all 0.8",
              "mix 0.8", "false/w");
  for (int n : {10, 15, 20, 25, 30, 35}) {
    Scenarios s = draw_all(windows, n, mix_seed(seed, static_cast<uint64_t>(n)));
    for (RuleKind kind :
         {RuleKind::bonferroni, RuleKind::online_holm, RuleKind::alpha_spending, RuleKind::alpha_investing}) {
      Tally null = judge(kind, s.null), half = judge(kind, s.half), large = judge(kind, s.large);
      Tally mix8 = judge(kind, s.mixed_large);
      std::printf("%4d | %-24s | %7.3f | %8.3f | %8.3f | %7.3f %8.3f\n", n, rule_name(kind),
                  null.false_per_window, half.true_rate, large.true_rate, mix8.true_rate,
                  mix8.false_per_window);
    }
  }
}

double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

/// z with P(Z > z) = p, by bisection (precise enough for a printed bound).
double upper_quantile(double p) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 200; ++i) {
    double mid = (lo + hi) / 2;
    (1 - normal_cdf(mid) > p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

/// The most any test of the given level can accept at effect d with n pairs: the one-sided
/// z-test with the variance known (Neyman–Pearson), Φ(d √n - z_level).
double power_ceiling(double d, int n, double test_level) {
  return normal_cdf(d * std::sqrt(static_cast<double>(n)) - upper_quantile(test_level));
}

}  // namespace

int main(int argc, char** argv) {
  int windows = argc > 1 ? std::atoi(argv[1]) : 100;
  uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 4;
  if (windows < 1) {
    std::fprintf(stderr, "usage: bench_multiple_comparisons [windows >= 1] [seed]\n");
    return 1;
  }
  std::printf("one-sided exact Wilcoxon signed-rank, paired differences ~ N(d, 1); alpha %.2f per window\n",
              k_alpha);
  std::printf(
      "false/w: null candidates accepted per window; P(any): share of windows with one or more;\n"
      "accepted: share of real improvements accepted\n");
  print_table(windows, 10, seed);
  print_table(10000, 10, seed);  // the same with the sampling error 10x smaller
  print_pairs_needed(2000, seed);

  std::printf(
      "\nceiling at n = 10 for ANY test (z-test, variance known): accepted at d=0.8 <= %.3f at level"
      " 0.05, <= %.3f at level 0.05/50;\n",
      power_ceiling(0.8, 10, k_alpha), power_ceiling(0.8, 10, k_alpha / k_window));
  std::printf("at d=0.5: <= %.3f and <= %.3f. The exact Wilcoxon test's smallest p-value is 2^-n = %.6f.\n",
              power_ceiling(0.5, 10, k_alpha), power_ceiling(0.5, 10, k_alpha / k_window),
              std::ldexp(1.0, -10));
  return 0;
}
