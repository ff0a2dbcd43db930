#include "search/pareto.h"
#include "search/json_fields.h"

#include <algorithm>
#include <cmath>
#include <compare>
#include <limits>
#include <numeric>
#include <string_view>

#include <fmt/format.h>

#include "util/json_text.h"

namespace anneal::search {

namespace {

constexpr double k_infinity = std::numeric_limits<double>::infinity();

bool all_finite(const Point& p) {
  return std::all_of(p.begin(), p.end(), [](double v) { return std::isfinite(v); });
}

/// The volume of `points` (all strictly above `reference`) in their first `dims` coordinates.
double volume(std::vector<Point> points, const Point& reference, size_t dims) {
  if (points.empty())
    return 0;
  const size_t last = dims - 1;
  std::stable_sort(points.begin(), points.end(),
                   [last](const Point& a, const Point& b) { return a[last] > b[last]; });
  if (dims == 1)
    return points.front()[0] - reference[0];
  double total = 0;
  if (dims == 2) {
    // Sorted by y, largest first: each horizontal strip down to the next y is as wide as the
    // largest x seen so far.
    double widest = reference[0];
    for (size_t i = 0; i < points.size(); ++i) {
      widest = std::max(widest, points[i][0]);
      const double next = i + 1 < points.size() ? points[i + 1][1] : reference[1];
      total += (points[i][1] - next) * (widest - reference[0]);
    }
    return total;
  }
  // Slice along the last coordinate: between two consecutive values, the slice's cross
  // section is the (dims-1)-volume of the points at or above the upper one.
  std::vector<Point> above;
  for (size_t i = 0; i < points.size(); ++i) {
    above.push_back(points[i]);
    const double top = points[i][last];
    const double bottom = i + 1 < points.size() ? points[i + 1][last] : reference[last];
    if (top > bottom)
      total += (top - bottom) * volume(above, reference, dims - 1);
  }
  return total;
}

/// The better of two members for a parent: larger crowding distance, ties the lower id.
size_t sparser(const std::vector<FrontMember>& members, const std::vector<double>& distance, size_t a,
               size_t b) {
  if (distance[a] != distance[b])
    return distance[a] > distance[b] ? a : b;
  return members[b].id < members[a].id ? b : a;
}

Result<FrontMember> member_from_json(const nlohmann::json& j, size_t index) {
  auto bad = [&](std::string_view what) {
    return fail(fmt::format("pareto front: member {} {} in {}", index, what, dump_json(j)));
  };
  auto candidate = candidate_fields(j);
  if (!candidate)
    return bad(candidate.error());
  auto point = numbers_field(j, "point");
  if (!point)
    return bad(point.error());
  if (point->empty())
    return bad("needs a non-empty array 'point'");
  return FrontMember{candidate->id, std::move(candidate->commit), std::move(*point)};
}

}  // namespace

bool dominates(const Point& a, const Point& b) {
  if (a.size() != b.size())
    return false;
  bool strictly = false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] < b[i] || std::isnan(a[i]) || std::isnan(b[i]))
      return false;
    strictly = strictly || a[i] > b[i];
  }
  return strictly;
}

std::vector<size_t> non_dominated(const std::vector<Point>& points) {
  std::vector<size_t> kept;
  for (size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < points.size() && !dominated; ++j)
      dominated = j != i && dominates(points[j], points[i]);
    if (!dominated)
      kept.push_back(i);
  }
  return kept;
}

double hypervolume(const std::vector<Point>& points, const Point& reference) {
  if (reference.empty())
    return 0;
  std::vector<Point> above;
  for (const Point& p : points) {
    if (p.size() != reference.size())
      continue;
    bool strictly_above = true;
    for (size_t i = 0; i < p.size() && strictly_above; ++i)
      strictly_above = p[i] > reference[i];
    if (strictly_above)
      above.push_back(p);
  }
  // Dominated points add nothing; dropping them first keeps the slices small.
  std::vector<Point> front;
  for (size_t i : non_dominated(above))
    front.push_back(above[i]);
  return volume(std::move(front), reference, reference.size());
}

std::vector<double> crowding_distance(const std::vector<Point>& front) {
  const size_t n = front.size();
  if (n <= 2)
    return std::vector<double>(n, k_infinity);
  std::vector<double> distance(n, 0);
  size_t dims = front[0].size();
  for (const Point& p : front)
    dims = std::min(dims, p.size());
  std::vector<size_t> order(n);
  for (size_t m = 0; m < dims; ++m) {
    std::iota(order.begin(), order.end(), size_t{0});
    // A total order (NaN included) so the sort is well defined on any input; ties by index.
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      auto c = std::strong_order(front[a][m], front[b][m]);
      return c != 0 ? c < 0 : a < b;
    });
    const double low = front[order.front()][m];
    const double high = front[order.back()][m];
    const double range = high - low;
    if (!(range > 0) || !std::isfinite(range))
      continue;
    for (size_t k = 0; k < n; ++k) {
      const size_t i = order[k];
      const double v = front[i][m];
      if (v == low || v == high)
        distance[i] = k_infinity;
      else
        distance[i] += (front[order[k + 1]][m] - front[order[k - 1]][m]) / range;
    }
  }
  return distance;
}

bool ParetoFront::offer(const FrontMember& candidate) {
  if (candidate.point.empty() || !all_finite(candidate.point))
    return false;
  if (!members.empty() && members.front().point.size() != candidate.point.size())
    return false;
  for (const FrontMember& m : members)
    if (m.point == candidate.point || dominates(m.point, candidate.point))
      return false;
  std::erase_if(members, [&](const FrontMember& m) { return dominates(candidate.point, m.point); });
  members.push_back(candidate);
  return true;
}

std::optional<size_t> ParetoFront::pick(Rng& rng) const {
  if (members.empty())
    return std::nullopt;
  std::vector<Point> points;
  for (const FrontMember& m : members)
    points.push_back(m.point);
  const std::vector<double> distance = crowding_distance(points);
  const size_t a = rng.below(members.size());
  const size_t b = rng.below(members.size());
  return sparser(members, distance, a, b);
}

nlohmann::json ParetoFront::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const FrontMember& m : members)
    list.push_back({{"id", m.id}, {"commit", m.commit}, {"point", m.point}});
  return {{"members", std::move(list)}};
}

Result<ParetoFront> ParetoFront::from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("members") || !j["members"].is_array())
    return fail(fmt::format("pareto front: expected an object with a 'members' array, not {}", dump_json(j)));
  ParetoFront front;
  const nlohmann::json& list = j["members"];
  for (size_t i = 0; i < list.size(); ++i) {
    auto member = member_from_json(list[i], i);
    if (!member)
      return std::unexpected(member.error());
    // The invariant offer() keeps: a stored front that breaks it was not written by to_json.
    if (!front.offer(*member))
      return fail(fmt::format(
          "pareto front: member {} is dominated by, equal to or not comparable with an earlier member: {}", i,
          dump_json(list[i])));
  }
  if (front.members.size() != list.size())
    return fail(fmt::format("pareto front: a member dominates an earlier one in {}", dump_json(j)));
  return front;
}

}  // namespace anneal::search
