// Sliding-window drift: whether the scores of the latest experiments spread differently in
// the window's second half than in its first — a judge whose answers became noisier (a
// provider's model update, a prompt that hits a model's blind spot), or a search that
// settled.
#pragma once

#include <optional>
#include <span>

namespace anneal::stats {

struct VarianceDrift {
  double first = 0;   ///< sample variance (ddof 1) of the window's older half
  double second = 0;  ///< of its newer half
  double ratio = 1;   ///< second / first; +inf when only the first half is constant
  bool drifting = false;  ///< the ratio is beyond `threshold` either way
};

/// Compares the variance of the older and newer halves of `scores` (oldest first; with an
/// odd count the middle one is left out). nullopt with fewer than `min_count` scores
/// (at least 4: two per half). Both halves constant: no drift.
std::optional<VarianceDrift> variance_drift(std::span<const double> scores, double threshold = 2.0,
                                            size_t min_count = 8);

}  // namespace anneal::stats
