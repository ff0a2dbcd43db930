// An anytime-valid paired test: a betting e-process over the differences, looked at after
// every batch of samples, which may stop as soon as the evidence is in.
//
// The candidate's per-sample differences from the incumbent, D_1, D_2, … (oriented so that
// positive is better, each in [-1, 1]), arrive in an order fixed before any is seen. Under
// the null hypothesis "the candidate is no better", E[D_t | D_1..D_t-1] <= 0, and for every
// bet λ in [0, 1] the wealth of a gambler who stakes the fraction λ on "D is positive",
//
//     K_t(λ) = prod_{i <= t} (1 + λ D_i),
//
// is a non-negative supermartingale with K_0 = 1. So is any average of them. Ville's
// inequality then bounds the chance that it *ever* reaches 1/level by `level`: the test may be
// looked at after every sample and stopped whenever it likes, and p_t = min(1, 1 / max_{s<=t}
// K_s) is a valid p-value at any stopping time. That p-value is what the online Holm window
// (acceptance_rule.h) holds to alpha / (window - accepted), exactly as it holds the fixed-n
// Wilcoxon p-value, so false acceptances per window stay <= alpha.
//
// The bets: "diversified Kelly" (dKelly), the equal-weight mixture of constant bets over a
// grid of λ, from Waudby-Smith & Ramdas, "Estimating means of bounded random variables by
// betting", JRSS B 86(1), 2024 (arXiv:2010.09686). It needs no tuning and grows at nearly the
// rate of the best constant bet in hindsight, losing only the log of the grid's size.
//
// Stopping for a *worse* candidate cannot make a false acceptance more likely (it only ever
// refuses), so two futility rules stop early at no cost to the error rate:
//   - unreachable: even if every remaining difference were +1 the wealth could not reach
//     1/level (and it has not yet);
//   - worse: the mirrored e-process, betting that D is negative, reaches 1/futility (by the
//     same argument a candidate that is really better is stopped so with chance <= futility).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "util/error.h"

namespace anneal::stats {

/// The constant bets the dKelly mixture averages (each weighs the same).
inline constexpr double k_kelly_bets[] = {0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

/// Why a sequential test stopped; "continue" while it has not. Written to the ledger as text.
enum class SequentialStop { Continue, Better, Worse, Unreachable, Exhausted };

/// "continue", "better", "worse", "unreachable", "exhausted".
std::string_view stop_name(SequentialStop stop);

struct SequentialOptions {
  double level = 0.001;   ///< the p-value must reach this (the window's online Holm level)
  double futility = 0.05; ///< "worse" when the mirrored e-process reaches 1 / futility
  size_t total = 0;       ///< how many differences there can be at most (the samples)
  /// "better" also needs the mean difference so far above this (objective.min_improvement).
  double min_mean = 0;
};

struct SequentialVerdict {
  SequentialStop stop = SequentialStop::Continue;
  size_t n = 0;          ///< differences used: up to and including the one that stopped it
  double e_value = 1;    ///< max over s <= n of the e-process K_s
  double pvalue = 1;     ///< min(1, 1 / e_value)
  double e_worse = 1;    ///< max over s <= n of the mirrored e-process
  double mean = 0;       ///< mean of the first n differences
  /// The futility test's (predictive_futility.h): the last predictive power it computed.
  double predictive = 1;
  std::string reason;    ///< one line for the ledger
};

/// Runs the test over `differences` in the order given: stops at the first s where it may
/// (better, worse or unreachable), else "exhausted" once `options.total` differences are in,
/// else "continue". The result depends only on the differences, so the same prefix gives the
/// same verdict whether it was looked at in one batch or many. Fails on a difference outside
/// [-1, 1], a level or futility outside (0, 1), or more differences than `total`.
Result<SequentialVerdict> betting_test(std::span<const double> differences, const SequentialOptions& options);

}  // namespace anneal::stats
