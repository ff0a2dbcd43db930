// stats: the statistics the judge and the decide node rely on — Wilcoxon signed-rank, Beta
// quantiles, Holm–Bonferroni, paired effect size and bootstrap intervals — matching SciPy 1.10.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "util/error.h"

namespace anneal::stats {

/// Which side the alternative hypothesis is on, for differences d = x - y.
enum class Alternative {
  two_sided,  ///< the median of d is not zero
  greater,    ///< the median of d is above zero (x tends to be greater)
  less,       ///< the median of d is below zero
};

/// How zero differences are treated (SciPy's `zero_method`).
enum class ZeroMethod {
  wilcox,  ///< drop them before ranking
  pratt,   ///< rank them with the others, then drop them
  zsplit,  ///< rank them and split their ranks half to each side
};

/// How the p-value is computed (SciPy's `method`).
enum class WilcoxonMethod {
  automatic,  ///< exact for n <= 50 without zero differences, else the normal approximation
  exact,      ///< the exact distribution of W+ (falls back to approx when there are zeros)
  approx,     ///< the normal approximation with tie correction
};

struct WilcoxonOptions {
  Alternative alternative = Alternative::two_sided;
  ZeroMethod zero_method = ZeroMethod::wilcox;
  bool correction = false;  ///< continuity correction; only the normal approximation uses it
  WilcoxonMethod method = WilcoxonMethod::automatic;
};

struct WilcoxonResult {
  /// min(W+, W-) for two-sided tests, W+ for one-sided ones (SciPy's convention). NaN, like
  /// the p-value, when there are no pairs at all.
  double statistic = 0;
  double pvalue = 1;
  /// The method actually used: exact or approx (automatic and exact can end as approx).
  WilcoxonMethod method = WilcoxonMethod::approx;
  /// The normal deviate, when the approximation was used.
  std::optional<double> z;
};

/// The Wilcoxon signed-rank test on paired differences, as scipy.stats.wilcoxon(d) of SciPy
/// 1.10.1 computes it, including its quirks: "exact" with zero differences switches to the
/// normal approximation; "exact" with ties (but no zeros) uses the exact distribution at
/// the integer part of W+. Fails on non-finite values, and when every difference is zero
/// under wilcox or pratt with the approximation (SciPy raises there too).
Result<WilcoxonResult> wilcoxon(std::span<const double> differences, const WilcoxonOptions& options = {});

/// The same on paired samples: the differences are x[i] - y[i]. Fails when the lengths differ.
Result<WilcoxonResult> wilcoxon(std::span<const double> x, std::span<const double> y,
                                const WilcoxonOptions& options = {});

/// The spellings SciPy uses ("two-sided", "greater", "less"); nullopt for anything else.
std::optional<Alternative> parse_alternative(std::string_view text);
/// "wilcox", "pratt", "zsplit"; nullopt for anything else.
std::optional<ZeroMethod> parse_zero_method(std::string_view text);
/// "auto", "exact", "approx"; nullopt for anything else.
std::optional<WilcoxonMethod> parse_wilcoxon_method(std::string_view text);
/// The spelling of a method as SciPy writes it ("auto", "exact", "approx").
std::string_view method_name(WilcoxonMethod method);

}  // namespace anneal::stats
