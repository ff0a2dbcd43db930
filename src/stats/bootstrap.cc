#include "stats/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "util/random.h"

namespace anneal::stats {

namespace {

/// The q-quantile of sorted `v` by linear interpolation between order statistics
/// (Hyndman–Fan type 7).
double quantile_sorted(const std::vector<double>& v, double q) {
  const double position = q * static_cast<double>(v.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, v.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return v[below] + fraction * (v[above] - v[below]);
}

}  // namespace

Result<Interval> bootstrap_mean_ci(std::span<const double> values, double confidence, int resamples,
                                   uint64_t seed) {
  if (values.empty())
    return fail("a bootstrap interval needs at least one value");
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i]))
      return fail(fmt::format("value {} is not a finite number", i));
  }
  if (!(confidence > 0 && confidence < 1))
    return fail(fmt::format("confidence must be between 0 and 1, exclusive (confidence = {})", confidence));
  if (resamples < 1)
    return fail(fmt::format("a bootstrap needs at least one resample (resamples = {})", resamples));

  Rng rng(seed);
  const uint64_t n = values.size();
  std::vector<double> means(static_cast<size_t>(resamples));
  for (double& mean : means) {
    double sum = 0;
    for (uint64_t i = 0; i < n; ++i)
      sum += values[rng.below(n)];
    mean = sum / static_cast<double>(n);
  }
  std::sort(means.begin(), means.end());
  const double tail = (1 - confidence) / 2;
  return Interval{quantile_sorted(means, tail), quantile_sorted(means, 1 - tail)};
}

}  // namespace anneal::stats
