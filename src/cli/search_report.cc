#include "cli/search_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "graph/search_memory.h"
#include "search/fitness.h"

namespace anneal::cli {

namespace {

search::Direction oriented(graph::Direction direction) {
  return direction == graph::Direction::Minimize ? search::Direction::Minimize : search::Direction::Maximize;
}

}  // namespace

Result<nlohmann::json> search_status(const graph::Target& target, const graph::Ledger& ledger) {
  const std::string& strategy = target.search.strategy;
  bool list = target.objectives.size() > 1;
  if (!list && (strategy == "greedy" || strategy == "annealing"))
    return nlohmann::json();
  auto records = ledger.generation();
  if (!records)
    return std::unexpected(records.error());
  graph::SearchMemory memory = graph::SearchMemory::replay(target, *records);
  nlohmann::json out = {{"strategy", strategy}};
  if (list) {
    nlohmann::json front = nlohmann::json::array();
    for (const auto& member : memory.front.members) {
      nlohmann::json values = nlohmann::json::array();
      for (size_t i = 0; i < member.point.size() && i < target.objectives.size(); ++i)
        values.push_back(search::metric_value(oriented(target.objectives[i].direction), member.point[i]));
      front.push_back({{"id", member.id}, {"commit", member.commit}, {"values", values}});
    }
    out["front"] = std::move(front);
  }
  if (strategy == "population" || strategy == "auto") {
    nlohmann::json islands = nlohmann::json::array();
    for (const auto& island : memory.population.islands)
      islands.push_back(island.size());
    out["islands"] = std::move(islands);
  }
  if (strategy == "tree" || strategy == "auto")
    out["tree"] = {{"nodes", memory.tree.nodes().size()}, {"live", memory.tree.live()}};
  if (strategy == "elites" || !target.search.archive.empty())
    // "grid": the descriptors and each occupied cell's elite (search/elite_archive.h).
    out["archive"] = {{"cells", memory.archive.cells.size()},
                      {"coverage", memory.archive.coverage()},
                      {"grid", memory.archive.to_json()}};
  if (strategy == "auto") {
    nlohmann::json arms = nlohmann::json::array();
    for (const auto& arm : memory.bandit.arms)
      arms.push_back({{"name", arm.name}, {"pulls", arm.pulls}, {"rewarded", arm.successes}});
    out["arms"] = std::move(arms);
  }
  return out;
}

void print_search_status(const graph::Target& target, const nlohmann::json& status) {
  if (!status.is_object())
    return;
  std::vector<std::string> parts;
  if (status.contains("islands"))
    parts.push_back(fmt::format("islands of {}", fmt::join(status["islands"].get<std::vector<int>>(), ", ")));
  if (status.contains("tree"))
    parts.push_back(fmt::format("tree of {} candidates ({} live)", status["tree"]["nodes"].get<int>(),
                                status["tree"]["live"].get<int>()));
  if (status.contains("archive"))
    parts.push_back(fmt::format("archive of {} cells ({:.0f}% covered)", status["archive"]["cells"].get<int>(),
                                status["archive"]["coverage"].get<double>() * 100));
  if (status.contains("arms")) {
    std::vector<std::string> arms;
    for (const auto& arm : status["arms"])
      arms.push_back(fmt::format("{} {:.0f}/{}", arm["name"].get<std::string>(), arm["rewarded"].get<double>(),
                                 arm["pulls"].get<int>()));
    parts.push_back(fmt::format("auto's arms (improvements/pulls): {}", fmt::join(arms, ", ")));
  }
  if (!parts.empty())
    fmt::print("  {}: {}\n", status.value("strategy", ""), fmt::join(parts, "; "));
  if (!status.contains("front"))
    return;
  std::vector<std::string> names;
  for (const auto& o : target.objectives)
    names.push_back(fmt::format("{} ({})", o.metric, o.direction == graph::Direction::Minimize ? "min" : "max"));
  fmt::print("  Pareto front ({} non-dominated) over {}:\n", status["front"].size(), fmt::join(names, ", "));
  for (const auto& member : status["front"]) {
    std::vector<std::string> values;
    for (const auto& v : member["values"])
      values.push_back(fmt::format("{:g}", v.get<double>()));
    fmt::print("    #{:<4} {}  {}\n", member["id"].get<int>(), member["commit"].get<std::string>().substr(0, 12),
               fmt::join(values, "  "));
  }
}

}  // namespace anneal::cli
