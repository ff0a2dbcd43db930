#include "stats/sequential_testing.h"

#include <array>
#include <cmath>

#include <fmt/format.h>

namespace anneal::stats {

namespace {

constexpr size_t k_bets = std::size(k_kelly_bets);

double mixture(const std::array<double, k_bets>& wealth) {
  double sum = 0;
  for (double w : wealth)
    sum += w;
  return sum / k_bets;
}

}  // namespace

std::string_view stop_name(SequentialStop stop) {
  switch (stop) {
    case SequentialStop::Continue: return "continue";
    case SequentialStop::Better: return "better";
    case SequentialStop::Worse: return "worse";
    case SequentialStop::Unreachable: return "unreachable";
    case SequentialStop::Exhausted: return "exhausted";
  }
  return "continue";
}

Result<SequentialVerdict> betting_test(std::span<const double> differences, const SequentialOptions& options) {
  if (!(options.level > 0 && options.level < 1))
    return fail(fmt::format("sequential test: the level must be in (0, 1), not {}", options.level));
  if (!(options.futility > 0 && options.futility < 1))
    return fail(fmt::format("sequential test: the futility level must be in (0, 1), not {}", options.futility));
  if (differences.size() > options.total)
    return fail(fmt::format("sequential test: {} differences of at most {}", differences.size(), options.total));
  std::array<double, k_bets> up, down;
  up.fill(1);
  down.fill(1);
  SequentialVerdict v;
  double sum = 0;
  auto verdict = [&](SequentialStop stop, std::string reason) {
    v.stop = stop;
    v.pvalue = std::min(1.0, 1 / v.e_value);
    v.mean = v.n ? sum / v.n : 0;
    v.reason = std::move(reason);
    return v;
  };
  const double threshold = 1 / options.level;
  for (double d : differences) {
    if (!(d >= -1 && d <= 1))
      return fail(fmt::format("sequential test: a difference must be in [-1, 1], not {}", d));
    ++v.n;
    sum += d;
    for (size_t j = 0; j < k_bets; ++j) {
      up[j] *= 1 + k_kelly_bets[j] * d;
      down[j] *= 1 - k_kelly_bets[j] * d;
    }
    v.e_value = std::max(v.e_value, mixture(up));
    v.e_worse = std::max(v.e_worse, mixture(down));
    double p = std::min(1.0, 1 / v.e_value);
    if (p <= options.level && sum / v.n > options.min_mean)
      return verdict(SequentialStop::Better,
                     fmt::format("e-value {:.4g} >= 1/{:.4g} after {} of {} samples", v.e_value, options.level, v.n,
                                 options.total));
    if (v.e_worse >= 1 / options.futility)
      return verdict(SequentialStop::Worse, fmt::format("worse: the e-value against it is {:.4g} >= 1/{:g} after {} "
                                                        "of {} samples",
                                                        v.e_worse, options.futility, v.n, options.total));
    // The best that is left: every remaining difference +1.
    size_t left = options.total - v.n;
    std::array<double, k_bets> best = up;
    for (size_t j = 0; j < k_bets; ++j)
      best[j] *= std::pow(1 + k_kelly_bets[j], static_cast<double>(left));
    if (mixture(best) < threshold && v.e_value < threshold)
      return verdict(SequentialStop::Unreachable,
                     fmt::format("e-value {:.4g} after {} of {} samples can no longer reach 1/{:.4g}", v.e_value, v.n,
                                 options.total, options.level));
  }
  if (v.n == options.total && v.e_value >= threshold)
    return verdict(SequentialStop::Exhausted,
                   fmt::format("e-value {:.4g} >= 1/{:.4g} after all {} samples, but the mean difference {:.3g} is "
                               "not above {:g}",
                               v.e_value, options.level, v.n, sum / v.n, options.min_mean));
  if (v.n == options.total)
    return verdict(SequentialStop::Exhausted,
                   fmt::format("e-value {:.4g} < 1/{:.4g} after all {} samples", v.e_value, options.level, v.n));
  return verdict(SequentialStop::Continue,
                 fmt::format("e-value {:.4g} after {} of {} samples: not decided", v.e_value, v.n, options.total));
}

}  // namespace anneal::stats
