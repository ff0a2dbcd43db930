#include "stats/predictive_futility.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

namespace anneal::stats {

namespace {

/// The one-sided ("greater") Wilcoxon p-value of `d`; 1 when every difference is zero.
Result<double> wilcoxon_p(std::span<const double> d, WilcoxonOptions options) {
  if (std::all_of(d.begin(), d.end(), [](double x) { return x == 0; }))
    return 1.0;
  options.alternative = Alternative::greater;
  auto w = wilcoxon(d, options);
  if (!w)
    return std::unexpected(w.error());
  return std::isnan(w->pvalue) ? 1.0 : w->pvalue;
}

double mean_of(std::span<const double> d) {
  double sum = 0;
  for (double x : d)
    sum += x;
  return d.empty() ? 0 : sum / d.size();
}

}  // namespace

double predictive_power(std::span<const double> differences, size_t total, double level, double min_mean) {
  const size_t s = differences.size();
  if (s < 2 || s >= total)
    return NAN;
  const double mean = mean_of(differences);
  double squares = 0;
  for (double x : differences)
    squares += (x - mean) * (x - mean);
  const double sd = std::max(std::sqrt(squares / (s - 1)), k_min_spread);
  const double n = static_cast<double>(total), m = n - s;
  const double z = boost::math::quantile(boost::math::complement(boost::math::normal_distribution<double>(), level));
  // The sum of all n differences must pass both bars; the m to come are predicted.
  const double needed = std::max(z * sd * std::sqrt(n), n * min_mean);
  const double spread = sd * std::sqrt(m + m * m / s);
  const double t = (needed - n * mean) / spread;
  return boost::math::cdf(boost::math::complement(boost::math::students_t_distribution<double>(s - 1.0), t));
}

Result<SequentialVerdict> futility_test(std::span<const double> differences, const FutilityOptions& options) {
  if (!(options.level > 0 && options.level < 1))
    return fail(fmt::format("futility test: the level must be in (0, 1), not {}", options.level));
  if (!(options.futility > 0 && options.futility < 1))
    return fail(fmt::format("futility test: the futility level must be in (0, 1), not {}", options.futility));
  if (differences.size() > options.total)
    return fail(fmt::format("futility test: {} differences of at most {}", differences.size(), options.total));
  for (double d : differences)
    if (!(d >= -1 && d <= 1))
      return fail(fmt::format("futility test: a difference must be in [-1, 1], not {}", d));
  SequentialVerdict v;
  auto verdict = [&](SequentialStop stop, size_t n, std::string reason) {
    v.stop = stop;
    v.n = n;
    v.mean = mean_of(differences.first(n));
    v.reason = std::move(reason);
    return v;
  };
  const size_t first = std::max<size_t>(options.min_pairs, 2);
  for (size_t s = first; s <= differences.size() && s < options.total; ++s) {
    v.predictive = predictive_power(differences.first(s), options.total, options.level, options.min_mean);
    if (v.predictive < options.futility)
      return verdict(SequentialStop::Worse, s,
                     fmt::format("worse: after {} of {} samples the chance that all {} would keep it is {:.2g} < {:g}",
                                 s, options.total, options.total, v.predictive, options.futility));
  }
  const size_t given = differences.size();
  if (given == options.total) {
    auto p = wilcoxon_p(differences, options.wilcoxon);
    if (!p)
      return std::unexpected(p.error());
    v.pvalue = *p;
    double mean = mean_of(differences);
    if (*p <= options.level && mean > options.min_mean)
      return verdict(SequentialStop::Better, given,
                     fmt::format("Wilcoxon p {:.4g} <= {:.4g} after all {} samples", *p, options.level, given));
    return verdict(SequentialStop::Exhausted, given,
                   *p <= options.level
                       ? fmt::format("Wilcoxon p {:.4g} <= {:.4g} after all {} samples, but the mean difference "
                                     "{:.3g} is not above {:g}",
                                     *p, options.level, given, mean, options.min_mean)
                       : fmt::format("Wilcoxon p {:.4g} > {:.4g} after all {} samples", *p, options.level, given));
  }
  // The best that is left: +1 on every sample still to judge.
  std::vector<double> best(differences.begin(), differences.end());
  best.resize(options.total, 1.0);
  auto p = wilcoxon_p(best, options.wilcoxon);
  if (!p)
    return std::unexpected(p.error());
  if (*p > options.level || mean_of(best) <= options.min_mean)
    return verdict(SequentialStop::Unreachable, given,
                   fmt::format("after {} of {} samples even +1 on every sample left gives p {:.4g} > {:.4g}", given,
                               options.total, *p, options.level));
  return verdict(SequentialStop::Continue, given,
                 fmt::format("after {} of {} samples: not decided (predictive power {:.2g})", given, options.total,
                             v.predictive));
}

}  // namespace anneal::stats
