#pragma once

#include <span>
#include <vector>

#include "util/error.h"

namespace anneal::stats {

/// The outcome of Holm–Bonferroni over m p-values, in the order they were given.
struct HolmResult {
  std::vector<bool> rejected;    ///< the null hypothesis of test i is rejected at the family's alpha
  std::vector<double> adjusted;  ///< Holm-adjusted p-values: monotone in p, capped at 1
};

/// Holm's step-down procedure at family-wise error rate `alpha`: with the p-values sorted
/// ascending, p(1) ≤ … ≤ p(m), reject H(1) … H(k-1) where k is the first i with
/// p(i) > alpha / (m - i + 1). The adjusted p-value of H(i) is
/// min(1, max over j ≤ i of (m - j + 1) p(j)). Fails on p-values outside [0, 1] or an alpha
/// outside [0, 1].
Result<HolmResult> holm(std::span<const double> p, double alpha);

}  // namespace anneal::stats
