#include "stats/effect_size.h"

#include <cmath>
#include <vector>

#include <fmt/format.h>

namespace anneal::stats {

Result<std::optional<double>> cohen_d_z(std::span<const double> differences) {
  for (size_t i = 0; i < differences.size(); ++i) {
    if (!std::isfinite(differences[i]))
      return fail(fmt::format("difference {} is not a finite number", i));
  }
  if (differences.size() < 2)
    return std::optional<double>{};
  const double n = static_cast<double>(differences.size());
  double sum = 0;
  for (double d : differences)
    sum += d;
  const double mean = sum / n;
  // Two passes: the centred sum of squares does not lose the small spread of nearly equal
  // differences the way Σd² - n·mean² would.
  double squares = 0;
  for (double d : differences)
    squares += (d - mean) * (d - mean);
  const double sd = std::sqrt(squares / (n - 1));
  if (sd == 0)
    return std::optional<double>{};
  return std::optional<double>(mean / sd);
}

Result<std::optional<double>> cohen_d_paired(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size())
    return fail(fmt::format("x and y must have the same length (x has {}, y has {})", x.size(), y.size()));
  std::vector<double> d(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    d[i] = x[i] - y[i];
  return cohen_d_z(d);
}

}  // namespace anneal::stats
