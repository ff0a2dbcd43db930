#include "stats/variance_drift.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace anneal::stats {

namespace {

double sample_variance(std::span<const double> values) {
  double mean = std::accumulate(values.begin(), values.end(), 0.0) / values.size();
  double sum = 0;
  for (double v : values)
    sum += (v - mean) * (v - mean);
  return sum / (values.size() - 1);
}

}  // namespace

std::optional<VarianceDrift> variance_drift(std::span<const double> scores, double threshold, size_t min_count) {
  if (scores.size() < std::max<size_t>(min_count, 4))
    return std::nullopt;
  size_t half = scores.size() / 2;
  VarianceDrift d;
  d.first = sample_variance(scores.first(half));
  d.second = sample_variance(scores.last(half));
  if (d.first == 0)
    d.ratio = d.second == 0 ? 1 : INFINITY;
  else
    d.ratio = d.second / d.first;
  d.drifting = d.ratio > threshold || d.ratio < 1 / threshold;
  return d;
}

}  // namespace anneal::stats
