// Multiple-comparison control over a window of experiments: online Holm step-down.
//
// The decide node tests every candidate against the incumbent (a one-sided paired test) and
// must answer accept/refuse when the experiment finishes; an accepted candidate becomes the
// incumbent, so a decision is never revisited. Holm's procedure sorts all p-values of the
// family, which an online decision cannot wait for. Its online form keeps Holm's guarantee:
// with m experiments in the window and k accepted so far in it, the next p-value is held to
//
//     level = alpha / (m - k)
//
// Family-wise error rate <= alpha per window, by Holm's own argument: at the first false
// acceptance every earlier acceptance was a real improvement, so k <= m - m0 (m0 = the
// candidates no better than their incumbent) and the level was <= alpha / m0; the chance
// that any of the m0 null p-values falls below alpha / m0 is at most alpha. No independence
// between experiments is needed. Until the first acceptance it is Bonferroni over the window.
//
// bench/multiple_comparisons.cc compares it with uncorrected tests, Bonferroni, alpha-spending
// and alpha-investing (bench/README.md has the figures and why this one was chosen).
//
// The window state is stored after every decision; its JSON form, version 1:
//   {"tested": int >= 0, "accepted": int >= 0}     accepted <= tested
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace anneal::stats {

/// The family: its error rate and how many experiments make one window.
struct AcceptanceRule {
  double alpha = 0.05;  ///< family-wise error rate per window, in (0, 1)
  int window = 50;      ///< experiments per window, >= 1

  /// Fails unless 0 < alpha < 1 and window >= 1.
  Result<void> validate() const;
};

/// Where the current window stands. A window that is full starts afresh at the next decision.
struct AcceptanceWindow {
  int tested = 0;    ///< experiments decided in this window
  int accepted = 0;  ///< of which accepted

  /// Reads the form to_json writes; fails on missing or negative counts or accepted > tested.
  static Result<AcceptanceWindow> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

/// One decision: what the ledger records (p-value, level, outcome) and the state after it.
struct AcceptanceVerdict {
  bool accept = false;
  double pvalue = 1;
  double level = 0;    ///< the threshold the p-value was held to: alpha / (window - accepted)
  std::string reason;  ///< e.g. "p=0.00098 <= 0.001 = 0.05/(50-0) (online Holm, 3rd of 50)"
  AcceptanceWindow next;
};

/// The level the next p-value will be held to, given the window so far (a full window counts
/// as a fresh one).
double next_level(const AcceptanceRule& rule, const AcceptanceWindow& window);

/// Decides one experiment: accept when `pvalue` <= next_level(rule, window). A NaN p-value
/// (no pairs to test) is refused and still counts as a test of the window. Fails on an
/// invalid rule, negative counts or accepted > tested, or a p-value outside [0, 1].
Result<AcceptanceVerdict> decide_acceptance(const AcceptanceRule& rule, const AcceptanceWindow& window,
                                            double pvalue);

/// The fewest pairs with which the exact one-sided Wilcoxon test can reach `level` at all:
/// its smallest p-value, every difference positive, is 2^-n. Below this no candidate can be
/// accepted at the start of a window (alpha 0.05 over 50 experiments needs 10 pairs); worth
/// a warning when a judge has fewer samples. Fails unless 0 < level <= 1.
Result<int> min_wilcoxon_pairs(double level);

}  // namespace anneal::stats
