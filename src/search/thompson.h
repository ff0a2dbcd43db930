// Thompson sampling over named arms (for example, which strategy or agent to run next).
//
// Persisted form (to_json / from_json), version 1:
//   {"version": 1, "arms": [{"name": <string>, "successes": <number >= 0>,
//                            "failures": <number >= 0>, "pulls": <int >= 0>}, ...]}
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/random.h"

namespace anneal::search {

/// A Beta(1 + successes, 1 + failures) arm per strategy.
struct Arm {
  std::string name;
  double successes = 0;
  double failures = 0;
  int pulls = 0;  ///< rewards recorded
};

/// Thompson sampling over Beta-Bernoulli arms.
struct ThompsonSampler {
  std::vector<Arm> arms;

  explicit ThompsonSampler(std::vector<std::string> names = {});

  /// Draws one Beta sample per arm (from rng: Marsaglia–Tsang gamma variates built on
  /// Rng::normal/uniform) and returns the arm with the largest draw (ties: first).
  /// 0 when there are no arms.
  size_t choose(Rng& rng) const;

  /// Rewards arm i with r in [0, 1] (fractional rewards add r to successes, 1 - r to
  /// failures). r outside [0, 1] is clamped, NaN counts as 0; an arm out of range is ignored.
  void reward(size_t arm, double r);

  nlohmann::json to_json() const;
  static Result<ThompsonSampler> from_json(const nlohmann::json& j);
};

/// A Beta(a, b) deviate (exposed for tests: its mean and variance over many draws).
/// NaN unless a > 0 and b > 0 are finite.
double beta_deviate(double a, double b, Rng& rng);

}  // namespace anneal::search
