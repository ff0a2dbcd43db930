#include "stats/wilcoxon.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace anneal::stats {

namespace {

/// Ranks of `values` from 1, ties getting the mean of the ranks they span (SciPy's
/// rankdata(method="average")).
std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t start = 0; start < order.size();) {
    size_t end = start + 1;
    while (end < order.size() && values[order[end]] == values[order[start]])
      ++end;
    // Positions start..end-1 hold ranks start+1..end; their mean is (start + 1 + end) / 2.
    double rank = 0.5 * static_cast<double>(start + 1 + end);
    for (size_t i = start; i < end; ++i)
      ranks[order[i]] = rank;
    start = end;
  }
  return ranks;
}

/// Σ t(t² - 1) over the groups of equal values in `ranks` (groups of one add nothing).
double tie_term(std::vector<double> ranks) {
  std::sort(ranks.begin(), ranks.end());
  double sum = 0;
  for (size_t start = 0; start < ranks.size();) {
    size_t end = start + 1;
    while (end < ranks.size() && ranks[end] == ranks[start])
      ++end;
    double t = static_cast<double>(end - start);
    if (end - start > 1)
      sum += t * (t * t - 1);
    start = end;
  }
  return sum;
}

/// The distribution of W+ for n untied, non-zero differences: entry w is P(W+ = w) for
/// w = 0 … n(n+1)/2. Built by adding one rank k at a time, which lands on the positive
/// side with probability 1/2. Every entry is an integer over 2^n, so it and all partial
/// sums are exact in a double up to n = 52.
std::vector<double> signed_rank_pmf(size_t n) {
  std::vector<double> pmf{1.0};
  for (size_t k = 1; k <= n; ++k) {
    std::vector<double> next(k * (k + 1) / 2 + 1, 0.0);
    for (size_t i = 0; i < pmf.size(); ++i) {
      next[i] += 0.5 * pmf[i];
      next[i + k] += 0.5 * pmf[i];
    }
    pmf = std::move(next);
  }
  return pmf;
}

double normal_sf(double z) {
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}
double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

double exact_pvalue(size_t count, double r_plus_value, Alternative alternative) {
  std::vector<double> pmf = signed_rank_pmf(count);
  // SciPy truncates W+ to an integer here (W+ is a half-integer only with ties).
  auto r_plus = static_cast<size_t>(r_plus_value);
  auto sum = [&](size_t from, size_t to) {  // pmf[from, to)
    double s = 0;
    for (size_t i = from; i < to; ++i)
      s += pmf[i];
    return s;
  };
  double p = 0;
  if (alternative == Alternative::two_sided) {
    if (r_plus == (pmf.size() - 1) / 2) {
      p = 1.0;  // the centre of the distribution
    } else {
      double p_less = sum(0, r_plus + 1);
      double p_greater = sum(r_plus, pmf.size());
      p = 2 * std::min(p_greater, p_less);
    }
  } else if (alternative == Alternative::greater) {
    p = sum(r_plus, pmf.size());
  } else {
    p = sum(0, r_plus + 1);
  }
  return std::clamp(p, 0.0, 1.0);
}

}  // namespace

Result<WilcoxonResult> wilcoxon(std::span<const double> differences, const WilcoxonOptions& options) {
  for (size_t i = 0; i < differences.size(); ++i) {
    if (!std::isfinite(differences[i]))
      return fail(fmt::format("difference {} is not a finite number", i));
  }
  WilcoxonResult result;
  if (differences.empty()) {
    result.statistic = result.pvalue = std::numeric_limits<double>::quiet_NaN();
    return result;
  }

  WilcoxonMethod method = options.method;
  if (method == WilcoxonMethod::automatic)
    method = differences.size() <= 50 ? WilcoxonMethod::exact : WilcoxonMethod::approx;
  size_t n_zero = static_cast<size_t>(std::count(differences.begin(), differences.end(), 0.0));
  // The exact distribution assumes no zeros; SciPy warns and switches.
  if (n_zero > 0 && method == WilcoxonMethod::exact)
    method = WilcoxonMethod::approx;

  std::vector<double> d(differences.begin(), differences.end());
  if (method == WilcoxonMethod::approx) {
    if (options.zero_method != ZeroMethod::zsplit && n_zero == d.size())
      return fail(
          "every difference is zero: zero_method wilcox and pratt need a non-zero one (zsplit does not)");
    if (options.zero_method == ZeroMethod::wilcox)
      std::erase(d, 0.0);
  }

  const size_t count = d.size();
  std::vector<double> magnitudes(count);
  for (size_t i = 0; i < count; ++i)
    magnitudes[i] = std::fabs(d[i]);
  std::vector<double> r = average_ranks(magnitudes);
  double r_plus = 0, r_minus = 0, r_zero = 0;
  for (size_t i = 0; i < count; ++i) {
    if (d[i] > 0)
      r_plus += r[i];
    else if (d[i] < 0)
      r_minus += r[i];
    else
      r_zero += r[i];
  }
  if (options.zero_method == ZeroMethod::zsplit) {
    r_plus += r_zero / 2.;
    r_minus += r_zero / 2.;
  }

  // Two-sided: the smaller rank sum, kept for backwards compatibility in SciPy; one-sided: W+.
  const double statistic = options.alternative == Alternative::two_sided ? std::min(r_plus, r_minus) : r_plus;
  result.statistic = statistic;
  result.method = method;

  if (method == WilcoxonMethod::exact) {
    result.pvalue = exact_pvalue(count, r_plus, options.alternative);
    return result;
  }

  const double n = static_cast<double>(count);
  double mean = n * (n + 1.) * 0.25;
  double variance = n * (n + 1.) * (2. * n + 1.);
  if (options.zero_method == ZeroMethod::pratt) {
    // The zeros were ranked but count on neither side (Cureton 1967).
    std::vector<double> nonzero;
    for (size_t i = 0; i < count; ++i) {
      if (d[i] != 0)
        nonzero.push_back(r[i]);
    }
    r = std::move(nonzero);
    const double z0 = static_cast<double>(n_zero);
    mean -= z0 * (z0 + 1.) * 0.25;
    variance -= z0 * (z0 + 1.) * (2. * z0 + 1.);
  }
  variance -= 0.5 * tie_term(std::move(r));
  const double se = std::sqrt(variance / 24);

  double shift = 0;
  if (options.correction) {
    if (options.alternative == Alternative::two_sided)
      shift = statistic > mean ? 0.5 : statistic < mean ? -0.5 : 0.0;
    else if (options.alternative == Alternative::less)
      shift = -0.5;
    else
      shift = 0.5;
  }
  const double z = (statistic - mean - shift) / se;
  result.z = z;
  if (options.alternative == Alternative::two_sided)
    result.pvalue = 2. * normal_sf(std::fabs(z));
  else if (options.alternative == Alternative::greater)
    result.pvalue = normal_sf(z);
  else
    result.pvalue = normal_cdf(z);
  return result;
}

Result<WilcoxonResult> wilcoxon(std::span<const double> x, std::span<const double> y,
                                const WilcoxonOptions& options) {
  if (x.size() != y.size())
    return fail(fmt::format("x and y must have the same length (x has {}, y has {})", x.size(), y.size()));
  std::vector<double> d(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    d[i] = x[i] - y[i];
  return wilcoxon(std::span<const double>(d), options);
}

std::optional<Alternative> parse_alternative(std::string_view text) {
  if (text == "two-sided")
    return Alternative::two_sided;
  if (text == "greater")
    return Alternative::greater;
  if (text == "less")
    return Alternative::less;
  return std::nullopt;
}

std::optional<ZeroMethod> parse_zero_method(std::string_view text) {
  if (text == "wilcox")
    return ZeroMethod::wilcox;
  if (text == "pratt")
    return ZeroMethod::pratt;
  if (text == "zsplit")
    return ZeroMethod::zsplit;
  return std::nullopt;
}

std::optional<WilcoxonMethod> parse_wilcoxon_method(std::string_view text) {
  if (text == "auto")
    return WilcoxonMethod::automatic;
  if (text == "exact")
    return WilcoxonMethod::exact;
  if (text == "approx")
    return WilcoxonMethod::approx;
  return std::nullopt;
}

std::string_view method_name(WilcoxonMethod method) {
  switch (method) {
    case WilcoxonMethod::automatic:
      return "auto";
    case WilcoxonMethod::exact:
      return "exact";
    case WilcoxonMethod::approx:
      return "approx";
  }
  return "auto";
}

}  // namespace anneal::stats
