#pragma once

#include <optional>
#include <span>

#include "util/error.h"

namespace anneal::stats {

/// Cohen's d_z for paired samples: mean(d) / sd(d) with d = x - y and the sample standard
/// deviation (ddof = 1). nullopt when it is undefined: fewer than two pairs, or every
/// difference the same (sd = 0). Fails when the lengths differ or a value is not finite.
Result<std::optional<double>> cohen_d_paired(std::span<const double> x, std::span<const double> y);

/// The same on the differences themselves.
Result<std::optional<double>> cohen_d_z(std::span<const double> differences);

}  // namespace anneal::stats
