#pragma once

#include <cstdint>
#include <span>

#include "util/error.h"

namespace anneal::stats {

/// A two-sided interval [low, high].
struct Interval {
  double low = 0;
  double high = 0;
};

/// A percentile-bootstrap confidence interval of the mean of `values`: `resamples` times,
/// draw values.size() values with replacement and take their mean; the interval runs from
/// the (1 - confidence)/2 to the (1 + confidence)/2 quantile of those means (linear
/// interpolation between order statistics, numpy's default). Draws come from anneal::Rng
/// seeded with `seed`, so the same inputs give the same interval on every platform.
/// Fails on no values, a non-finite value, confidence outside (0, 1) or resamples < 1.
Result<Interval> bootstrap_mean_ci(std::span<const double> values, double confidence, int resamples,
                                   uint64_t seed);

}  // namespace anneal::stats
