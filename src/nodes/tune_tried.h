// The points the built-in tuner has tried, so it proposes a new one while any is left.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nodes/tune.h"

namespace anneal::nodes {

// In a tune mutate spec (mutate.h), "tried": [[X per parameter]...] — each point a candidate
// of this run was measured at, its values in the order of "params" (null where the
// parameter's pattern did not match there).

/// A set of points, each a value per parameter, compared at the parameter's precision:
/// integers as whole numbers, reals to the 6 significant digits the tuner writes.
class TriedPoints {
 public:
  explicit TriedPoints(std::vector<TuneParam> params) : m_params(std::move(params)) {}
  /// The points of a spec's "tried" (entries that are not a point of `params` are skipped).
  static TriedPoints from_json(std::vector<TuneParam> params, const nlohmann::json& tried);

  void add(const std::vector<double>& point);
  bool contains(const std::vector<double>& point) const;
  size_t size() const { return m_points.size(); }

  /// The untried point of the integer grid nearest `from` (by distance scaled to each
  /// range), when every parameter is an integer and the grid has at most `max_grid` points;
  /// nullopt otherwise, and when every point has been tried.
  std::optional<std::vector<double>> nearest_untried(const std::vector<double>& from, size_t max_grid = 100000) const;

 private:
  std::vector<std::string> key(const std::vector<double>& point) const;
  std::vector<TuneParam> m_params;
  std::set<std::vector<std::string>> m_points;
};

}  // namespace anneal::nodes
