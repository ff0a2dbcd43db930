// A Gaussian-process surrogate for ranking drafts by expected improvement.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "util/error.h"

namespace anneal::search {

/// The GP's belief about the objective at one input, in the units of y.
struct Prediction {
  double mean = 0;
  double sd = 0;
};

/// GP regression with a squared-exponential kernel on inputs scaled to [0, 1] per feature
/// (from the training inputs' range) and standardised outputs; the length scale (one for all
/// features) and noise chosen by maximum marginal likelihood over a fixed small grid;
/// Cholesky by hand. At most the last `max_points` (200) training points are used.
/// A class because the factorisation must stay consistent with the training data.
class GaussianProcess {
 public:
  static constexpr size_t k_max_points = 200;

  /// Fails on ragged inputs, inputs without features, non-finite values, x and y of
  /// different sizes or fewer than 2 points.
  static Result<GaussianProcess> fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                                     size_t max_points = k_max_points);

  /// The posterior of the latent function at `x` (observation noise not included), in the
  /// units of y. NaN mean and sd when `x` has the wrong number of features.
  Prediction predict(const std::vector<double>& x) const;

  /// The chosen length scale, in the scaled input units ([0, 1] per feature).
  double length_scale() const { return m_length_scale; }
  /// The chosen noise variance, in standardised output units.
  double noise() const { return m_noise; }
  /// The number of training points used (at most max_points).
  size_t size() const { return m_x.size(); }

 private:
  GaussianProcess() = default;

  /// `x` mapped into [0, 1] per feature by the training range.
  std::vector<double> scaled(const std::vector<double>& x) const;

  std::vector<double> m_low;   ///< per feature: the training minimum
  std::vector<double> m_span;  ///< per feature: max - min (1 when the feature is constant)
  double m_y_mean = 0;
  double m_y_sd = 1;
  std::vector<std::vector<double>> m_x;  ///< scaled training inputs
  std::vector<double> m_chol;            ///< lower Cholesky factor of K + noise I, row-major n x n
  std::vector<double> m_alpha;           ///< (K + noise I)^-1 y, standardised
  double m_length_scale = 0;
  double m_noise = 0;
};

/// Expected improvement over `best` for maximisation: (m - best - xi) Phi(z) + sd phi(z),
/// z = (m - best - xi) / sd. sd == 0: max(0, m - best - xi).
double expected_improvement(const Prediction& p, double best, double xi = 0.01);

/// Orders `candidates` by expected improvement under a GP fitted to (x, y) over the best y,
/// best first (ties: lower index). With fewer than 2 training points or a failed fit: input
/// order, every EI 0. Also returns each candidate's EI (0 for a candidate with the wrong
/// number of features).
std::vector<std::pair<size_t, double>> rank_by_expected_improvement(
    const std::vector<std::vector<double>>& x, const std::vector<double>& y,
    const std::vector<std::vector<double>>& candidates);

}  // namespace anneal::search
