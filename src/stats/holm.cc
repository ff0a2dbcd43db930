#include "stats/holm.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

namespace anneal::stats {

Result<HolmResult> holm(std::span<const double> p, double alpha) {
  if (!(alpha >= 0 && alpha <= 1))
    return fail(fmt::format("alpha must be between 0 and 1 (alpha = {})", alpha));
  for (size_t i = 0; i < p.size(); ++i) {
    if (!(p[i] >= 0 && p[i] <= 1))
      return fail(fmt::format("p-value {} is not between 0 and 1 (p = {})", i, p[i]));
  }
  const size_t m = p.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  // Stable, so equal p-values keep their order and the result does not depend on the sort.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });

  HolmResult result;
  result.rejected.assign(m, false);
  result.adjusted.assign(m, 1.0);
  bool stepping = true;
  double running_max = 0;
  for (size_t rank = 0; rank < m; ++rank) {
    const size_t i = order[rank];
    const double remaining = static_cast<double>(m - rank);
    // Step down: once one hypothesis survives, every larger p-value survives too.
    stepping = stepping && p[i] <= alpha / remaining;
    result.rejected[i] = stepping;
    running_max = std::max(running_max, remaining * p[i]);
    result.adjusted[i] = std::min(1.0, running_max);
  }
  return result;
}

}  // namespace anneal::stats
