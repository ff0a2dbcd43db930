#pragma once

#include "util/error.h"

namespace anneal::stats {

/// The q-quantile of Beta(a, b) (scipy.stats.beta.ppf(q, a, b)), for credible intervals of
/// a pass rate. Fails unless a > 0, b > 0 and 0 <= q <= 1.
Result<double> beta_ppf(double a, double b, double q);

}  // namespace anneal::stats
