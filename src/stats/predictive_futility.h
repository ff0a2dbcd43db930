// The fixed-n paired test, judged in batches and stopped early only when it cannot win: the
// sequential test `judge.test: {sequential: true}` uses by default (`early_stop: futility`).
//
// The decision to keep is the fixed-n one, unchanged: the one-sided Wilcoxon signed-rank test
// on all `total` differences, held to the window's online Holm level (acceptance_rule.h). A
// candidate may only be *stopped* early, and only towards refusal, so the chance of a false
// acceptance is at most that of the fixed-n test: a "non-binding futility rule" (Jennison &
// Turnbull, "Group Sequential Methods with Applications to Clinical Trials", 2000, ch. 10;
// Lachin, "A review of methods for futility stopping based on conditional power", Statistics
// in Medicine 24(18), 2005). The type-I error needs no argument about the stopping rule at all.
//
// It stops after s differences (s >= min_pairs) when
//   - worse: the *predictive power*, the chance given the differences so far that the fixed-n
//     test will accept once all are in, is below `futility` (Spiegelhalter, Freedman &
//     Blackburn, "Monitoring clinical trials: conditional or predictive power?", Controlled
//     Clinical Trials 7(1), 1986). Model: D ~ N(mu, sigma^2) with the reference prior
//     p(mu, sigma) ∝ 1/sigma; the sum of the m = total - s differences to come is then
//     m·mean + sd·sqrt(m + m²/s)·T with T Student-t on s - 1 degrees of freedom, and the
//     fixed-n test is stood in for by its large-sample form, sum > z_(1-level)·sd·sqrt(total)
//     (and the mean above min_mean). Averaged over that prior, a candidate the fixed-n test
//     would keep is stopped with chance at most `futility`: that bounds the power it costs.
//     Conditional power under a fixed design effect (Lan, Simon & Halperin 1982) was the
//     alternative; it stops almost nothing early unless that effect is small, and under the
//     observed trend alone it ignores how uncertain six samples are. The t predictive does not.
//   - unreachable: even +1 on every sample left, the Wilcoxon p-value stays above the level
//     (deterministic curtailment: no power lost at all). Checked on all the differences given.
//
// Why not an anytime-valid e-process for the decision itself (sequential_testing.h:
// Waudby-Smith & Ramdas, "Estimating means of bounded random variables by betting", JRSS B
// 86(1), 2024; Shafer & Vovk, "Game-Theoretic Foundations for Probability and Finance", 2019;
// Ramdas, Grünwald, Vovk & Shafer, "Game-theoretic statistics and safe anytime-valid
// inference", Statistical Science 38(4), 2023; or one on the sign-flips the Wilcoxon null
// allows, Vovk & Wang, "Nonparametric e-tests of symmetry", arXiv:2208.08925): they may stop
// for "better" at any time, but that freedom is paid for in power at a fixed horizon, and at
// the levels a window of 50 asks (0.05/50 = 0.001) the bill is large: bench/README.md
// measured 79% -> 0.4% (bounded-mean dKelly) and -> 55% (sign-flip mixture) of d = 0.8
// improvements kept at 30 samples. Most candidates are worse, and the judge calls are saved on
// them, so stopping early only for futility saves most of what there is to save.
#pragma once

#include <cstddef>
#include <span>

#include "stats/sequential_testing.h"
#include "stats/wilcoxon.h"
#include "util/error.h"

namespace anneal::stats {

struct FutilityOptions {
  double level = 0.001;    ///< the fixed-n test's level (the window's online Holm level)
  double futility = 0.01;  ///< "worse" when the predictive power falls below this
  size_t total = 0;        ///< how many differences there will be (the samples)
  size_t min_pairs = 6;    ///< no futility stop on fewer differences than this
  double min_mean = 0;     ///< keeping also needs the mean difference above this
  /// zero_method and correction of the final Wilcoxon test (the alternative is "greater").
  WilcoxonOptions wilcoxon;
};

/// The predictive power after the differences so far (their count s >= 2, s < total): the
/// chance under the model above that the mean of all `total` differences passes the fixed-n
/// test at `level` (and exceeds `min_mean`). A spread below k_min_spread counts as that.
double predictive_power(std::span<const double> differences, size_t total, double level, double min_mean = 0);

/// The smallest standard deviation the predictive model assumes (differences are in [-1, 1];
/// six equal ones do not make the next ones certain).
inline constexpr double k_min_spread = 0.05;

/// Runs the test over `differences` in the order given: "worse" at the first s >= min_pairs
/// whose predictive power is below `futility`, else "unreachable" when even +1 on every sample
/// left cannot reach the level; once all `total` are in, "better" when the Wilcoxon p-value is
/// at most the level and the mean above min_mean, else "exhausted"; else "continue". The
/// verdict's pvalue is the Wilcoxon one of the differences given, `predictive` the last
/// predictive power. Fails on a difference outside [-1, 1], a level or futility outside
/// (0, 1), or more differences than `total`.
Result<SequentialVerdict> futility_test(std::span<const double> differences, const FutilityOptions& options);

}  // namespace anneal::stats
