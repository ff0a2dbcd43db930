#include "search/gaussian_process.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>

#include <fmt/format.h>

namespace anneal::search {

namespace {

/// Length scales tried, in scaled input units: 0.05 .. 2, log-spaced (a factor 40 in 11 steps).
constexpr size_t k_length_scales = 12;
constexpr double k_shortest = 0.05;
constexpr double k_longest = 2.0;
/// Noise variances tried, in standardised output units: from noise-free to quite noisy.
constexpr std::array<double, 4> k_noises = {1e-6, 1e-3, 1e-2, 0.1};
/// Added to the diagonal, one after the other, when rounding makes a factorisation fail.
constexpr std::array<double, 4> k_jitters = {0, 1e-10, 1e-8, 1e-6};

/// A lower-triangular Cholesky factor, row-major n x n.
using Factor = std::vector<double>;

/// The Cholesky factor of the symmetric matrix `a` (row-major n x n); nullopt when `a` is
/// not numerically positive definite.
std::optional<Factor> cholesky(const std::vector<double>& a, size_t n) {
  Factor l(n * n, 0.0);
  for (size_t j = 0; j < n; ++j) {
    double diagonal = a[j * n + j];
    for (size_t k = 0; k < j; ++k)
      diagonal -= l[j * n + k] * l[j * n + k];
    if (!(diagonal > 0) || !std::isfinite(diagonal))
      return std::nullopt;
    const double pivot = std::sqrt(diagonal);
    l[j * n + j] = pivot;
    for (size_t i = j + 1; i < n; ++i) {
      double sum = a[i * n + j];
      for (size_t k = 0; k < j; ++k)
        sum -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = sum / pivot;
    }
  }
  return l;
}

/// Solves L z = b by forward substitution.
std::vector<double> solve_lower(const Factor& l, size_t n, std::vector<double> b) {
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < i; ++k)
      b[i] -= l[i * n + k] * b[k];
    b[i] /= l[i * n + i];
  }
  return b;
}

/// Solves L^T x = b by back substitution.
std::vector<double> solve_upper(const Factor& l, size_t n, std::vector<double> b) {
  for (size_t i = n; i-- > 0;) {
    for (size_t k = i + 1; k < n; ++k)
      b[i] -= l[k * n + i] * b[k];
    b[i] /= l[i * n + i];
  }
  return b;
}

double squared_distance(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i)
    sum += (a[i] - b[i]) * (a[i] - b[i]);
  return sum;
}

double kernel(double squared_distance, double length_scale) {
  return std::exp(-squared_distance / (2 * length_scale * length_scale));
}

}  // namespace

Result<GaussianProcess> GaussianProcess::fit(const std::vector<std::vector<double>>& x,
                                             const std::vector<double>& y, size_t max_points) {
  if (x.size() != y.size())
    return fail(fmt::format("gaussian process: {} inputs but {} outputs", x.size(), y.size()));
  if (x.size() < 2)
    return fail(fmt::format("gaussian process: needs at least 2 points, got {}", x.size()));
  if (max_points < 2)
    return fail(fmt::format("gaussian process: max_points must be at least 2, not {}", max_points));
  const size_t features = x.front().size();
  if (features == 0)
    return fail("gaussian process: the inputs have no features");
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i].size() != features)
      return fail(fmt::format("gaussian process: input {} has {} features, input 0 has {}", i, x[i].size(),
                              features));
    if (!std::all_of(x[i].begin(), x[i].end(), [](double v) { return std::isfinite(v); }) ||
        !std::isfinite(y[i]))
      return fail(fmt::format("gaussian process: point {} is not finite", i));
  }

  // The most recent points: the search moves, and older regions matter less.
  const size_t first = x.size() > max_points ? x.size() - max_points : 0;
  const size_t n = x.size() - first;

  GaussianProcess gp;
  gp.m_low.assign(features, std::numeric_limits<double>::infinity());
  gp.m_span.assign(features, -std::numeric_limits<double>::infinity());
  for (size_t i = first; i < x.size(); ++i)
    for (size_t f = 0; f < features; ++f) {
      gp.m_low[f] = std::min(gp.m_low[f], x[i][f]);
      gp.m_span[f] = std::max(gp.m_span[f], x[i][f]);  // the maximum for now
    }
  for (size_t f = 0; f < features; ++f) {
    gp.m_span[f] -= gp.m_low[f];
    if (!(gp.m_span[f] > 0))
      gp.m_span[f] = 1;  // a constant feature: every point at 0, and the kernel ignores it
  }
  for (size_t i = first; i < x.size(); ++i)
    gp.m_x.push_back(gp.scaled(x[i]));

  double sum = 0;
  for (size_t i = first; i < y.size(); ++i)
    sum += y[i];
  gp.m_y_mean = sum / static_cast<double>(n);
  double squares = 0;
  for (size_t i = first; i < y.size(); ++i)
    squares += (y[i] - gp.m_y_mean) * (y[i] - gp.m_y_mean);
  const double sd = std::sqrt(squares / static_cast<double>(n));
  gp.m_y_sd = sd > 0 ? sd : 1;
  std::vector<double> targets;
  for (size_t i = first; i < y.size(); ++i)
    targets.push_back((y[i] - gp.m_y_mean) / gp.m_y_sd);

  std::vector<double> distances(n * n);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j)
      distances[i * n + j] = squared_distance(gp.m_x[i], gp.m_x[j]);

  double best_evidence = -std::numeric_limits<double>::infinity();
  std::vector<double> covariance(n * n);
  for (size_t step = 0; step < k_length_scales; ++step) {
    const double length_scale =
        k_shortest * std::pow(k_longest / k_shortest, static_cast<double>(step) / (k_length_scales - 1));
    for (double noise : k_noises) {
      for (double jitter : k_jitters) {
        for (size_t i = 0; i < n * n; ++i)
          covariance[i] = kernel(distances[i], length_scale);
        for (size_t i = 0; i < n; ++i)
          covariance[i * n + i] += noise + jitter;
        auto factor = cholesky(covariance, n);
        if (!factor)
          continue;
        std::vector<double> alpha = solve_upper(*factor, n, solve_lower(*factor, n, targets));
        // log p(y) = -y^T alpha / 2 - sum log L_ii - n log(2 pi) / 2
        double evidence = -0.5 * static_cast<double>(n) * std::log(2 * std::numbers::pi);
        for (size_t i = 0; i < n; ++i)
          evidence += -0.5 * targets[i] * alpha[i] - std::log((*factor)[i * n + i]);
        if (std::isfinite(evidence) && evidence > best_evidence) {
          best_evidence = evidence;
          gp.m_chol = std::move(*factor);
          gp.m_alpha = std::move(alpha);
          gp.m_length_scale = length_scale;
          gp.m_noise = noise + jitter;
        }
        break;
      }
    }
  }
  if (gp.m_chol.empty())
    return fail(
        fmt::format("gaussian process: no length scale and noise factorise the covariance of {} points", n));
  return gp;
}

std::vector<double> GaussianProcess::scaled(const std::vector<double>& x) const {
  std::vector<double> out(x.size());
  for (size_t f = 0; f < x.size(); ++f)
    out[f] = (x[f] - m_low[f]) / m_span[f];
  return out;
}

Prediction GaussianProcess::predict(const std::vector<double>& x) const {
  if (x.size() != m_low.size())
    return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  const std::vector<double> point = scaled(x);
  const size_t n = m_x.size();
  std::vector<double> cross(n);
  double mean = 0;
  for (size_t i = 0; i < n; ++i) {
    cross[i] = kernel(squared_distance(point, m_x[i]), m_length_scale);
    mean += cross[i] * m_alpha[i];
  }
  const std::vector<double> v = solve_lower(m_chol, n, std::move(cross));
  double variance = 1;  // the prior variance of standardised outputs
  for (double value : v)
    variance -= value * value;
  return {m_y_mean + m_y_sd * mean, m_y_sd * std::sqrt(std::max(variance, 0.0))};
}

double expected_improvement(const Prediction& p, double best, double xi) {
  const double gain = p.mean - best - xi;
  if (!(p.sd > 0))
    return std::max(0.0, gain);
  const double z = gain / p.sd;
  const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
  const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi);
  return gain * cdf + p.sd * pdf;
}

std::vector<std::pair<size_t, double>> rank_by_expected_improvement(
    const std::vector<std::vector<double>>& x, const std::vector<double>& y,
    const std::vector<std::vector<double>>& candidates) {
  std::vector<std::pair<size_t, double>> ranking;
  for (size_t i = 0; i < candidates.size(); ++i)
    ranking.emplace_back(i, 0.0);
  if (x.size() < 2)
    return ranking;
  auto gp = GaussianProcess::fit(x, y);
  if (!gp)
    return ranking;
  const double best = *std::max_element(y.begin(), y.end());
  for (auto& [index, ei] : ranking) {
    const double value = expected_improvement(gp->predict(candidates[index]), best);
    ei = std::isfinite(value) ? value : 0;
  }
  std::stable_sort(ranking.begin(), ranking.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return ranking;
}

}  // namespace anneal::search
