#include "stats/beta.h"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <boost/math/distributions/beta.hpp>

namespace anneal::stats {

Result<double> beta_ppf(double a, double b, double q) {
  if (!(std::isfinite(a) && a > 0) || !(std::isfinite(b) && b > 0))
    return fail(fmt::format("Beta parameters must be finite and positive (a = {}, b = {})", a, b));
  if (!(q >= 0 && q <= 1))
    return fail(fmt::format("a quantile must be between 0 and 1 (q = {})", q));
  try {
    return boost::math::quantile(boost::math::beta_distribution<double>(a, b), q);
  } catch (const std::exception& e) {
    // Boost reports domain, overflow and evaluation errors by throwing.
    return fail(fmt::format("Beta({}, {}) quantile {}: {}", a, b, q, e.what()));
  }
}

}  // namespace anneal::stats
