#include "nodes/tune_tried.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace anneal::nodes {

TriedPoints TriedPoints::from_json(std::vector<TuneParam> params, const nlohmann::json& tried) {
  TriedPoints out(std::move(params));
  if (!tried.is_array())
    return out;
  for (const auto& entry : tried) {
    if (!entry.is_array() || entry.size() != out.m_params.size())
      continue;
    std::vector<double> point;
    for (const auto& v : entry)
      point.push_back(v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN());
    out.add(point);
  }
  return out;
}

std::vector<std::string> TriedPoints::key(const std::vector<double>& point) const {
  std::vector<std::string> out;
  for (size_t i = 0; i < point.size(); ++i) {
    double v = point[i];
    if (!std::isfinite(v))
      out.push_back("-");
    else if (i < m_params.size() && m_params[i].integer)
      out.push_back(fmt::format("{}", static_cast<long long>(std::llround(v))));
    else
      out.push_back(fmt::format("{:.6g}", v));
  }
  return out;
}

void TriedPoints::add(const std::vector<double>& point) {
  if (point.size() == m_params.size())
    m_points.insert(key(point));
}

bool TriedPoints::contains(const std::vector<double>& point) const { return m_points.contains(key(point)); }

std::optional<std::vector<double>> TriedPoints::nearest_untried(const std::vector<double>& from,
                                                                size_t max_grid) const {
  if (from.size() != m_params.size() || m_params.empty())
    return std::nullopt;
  std::vector<double> lo, hi;
  double grid = 1;
  for (const TuneParam& p : m_params) {
    if (!p.integer)
      return std::nullopt;
    lo.push_back(std::ceil(p.min));
    hi.push_back(std::floor(p.max));
    grid *= hi.back() - lo.back() + 1;
    if (hi.back() < lo.back() || grid > static_cast<double>(max_grid))
      return std::nullopt;
  }
  std::optional<std::vector<double>> best;
  double best_distance = std::numeric_limits<double>::infinity();
  std::vector<double> point = lo;
  while (true) {
    if (!contains(point)) {
      double distance = 0;
      for (size_t i = 0; i < point.size(); ++i) {
        double span = std::max(1.0, hi[i] - lo[i]);
        distance += std::pow((point[i] - from[i]) / span, 2);
      }
      if (distance < best_distance) {
        best_distance = distance;
        best = point;
      }
    }
    size_t i = 0;
    for (; i < point.size() && point[i] == hi[i]; ++i)
      point[i] = lo[i];
    if (i == point.size())
      break;
    point[i] += 1;
  }
  return best;
}

}  // namespace anneal::nodes
