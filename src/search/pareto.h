// Pareto dominance over several fitnesses (larger is better in each): the non-dominated set,
// its hypervolume, NSGA-II crowding distance, and the front the pareto strategy keeps.
//
// A front is stored in the search state; its JSON form, version 1:
//   {"members": [{"id": int, "commit": string, "point": [number, ...]}, ...]}
// Members keep the order in which they entered; every point has the same number of
// objectives, finite coordinates, and no member dominates or equals another.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/random.h"

namespace anneal::search {

using Point = std::vector<double>;  ///< one fitness per objective, larger is better

/// a is at least as good as b in every coordinate and strictly better in one. Points of
/// different sizes never dominate each other.
bool dominates(const Point& a, const Point& b);

/// Indices of the points no other point dominates, in input order. Equal points: all kept.
std::vector<size_t> non_dominated(const std::vector<Point>& points);

/// The volume dominated by `points` and bounded below by `reference` (points not strictly
/// above the reference in every coordinate, or of another size, add nothing). Exact: a sweep
/// in 2-D, slicing (HSO) in more dimensions (fine for <= 4 objectives and a few hundred points).
double hypervolume(const std::vector<Point>& points, const Point& reference);

/// NSGA-II crowding distance of each point of a front (same size as `front`): per objective,
/// the gap between a point's neighbours over the objective's range, summed. The extremes of
/// each objective (every point at its minimum or maximum) get +infinity; an objective on which
/// all points agree adds nothing; 1 or 2 points: all +infinity.
std::vector<double> crowding_distance(const std::vector<Point>& front);

/// A candidate on the front: its ledger id (lower = older), commit and fitnesses.
struct FrontMember {
  int id = 0;
  std::string commit;
  Point point;
};

/// The non-dominated set kept by the pareto strategy.
struct ParetoFront {
  std::vector<FrontMember> members;

  /// Offers a candidate: it enters when no member dominates it (an equal point does not
  /// enter: nothing new); members it dominates leave. A point with a non-finite coordinate, no
  /// coordinates, or another number of objectives than the members' never enters. Returns
  /// whether it entered.
  bool offer(const FrontMember& candidate);

  /// A parent: binary tournament on crowding distance (larger wins; ties lower id), so
  /// sparse regions of the front are explored. Empty front: nullopt.
  std::optional<size_t> pick(Rng& rng) const;

  /// The JSON form above.
  nlohmann::json to_json() const;
  /// Reads the form to_json writes; fails with the offending member on anything else.
  static Result<ParetoFront> from_json(const nlohmann::json& j);
};

}  // namespace anneal::search
