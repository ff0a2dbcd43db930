#include "nodes/strategy_decision.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "search/elite_archive.h"
#include "search/pareto.h"
#include "search/population.h"
#include "util/random.h"

namespace anneal::nodes {

namespace {

/// A fitness as the score it came from.
struct Shown {
  bool minimize = false;
  double operator()(double fitness) const { return minimize ? -fitness : fitness; }
};

Result<StrategyVerdict> population_verdict(const nlohmann::json& reference, const StrategyCandidate& c, Shown shown) {
  try {
    search::Population island(1, reference.at("capacity").get<int>());
    for (const auto& m : reference.at("members"))
      island.islands[0].push_back({m.at("id").get<int>(), m.at("commit").get<std::string>(),
                                   m.at("fitness").get<double>()});
    size_t before = island.islands[0].size();
    StrategyVerdict v;
    int island_number = reference.value("island", 0);
    const nlohmann::json immigrants = reference.value("immigrants", nlohmann::json::array());
    if (std::find(immigrants.begin(), immigrants.end(), nlohmann::json(c.draft)) != immigrants.end()) {
      // A restart from the baseline: it enters through a replacement tournament.
      const int size = reference.at("tournament").get<int>();
      Rng rng(reference.at("seed").get<uint64_t>());
      auto entry = island.immigrate(0, {c.id, c.commit, c.fitness}, size, rng);
      v.accept = entry.entered;
      if (entry.replaced)
        v.reason = fmt::format("immigrant {:.6g} replaces #{} ({:.6g}), the least fit of a tournament of {} on island {}",
                               shown(c.fitness), entry.replaced->id, shown(entry.replaced->fitness), size,
                               island_number);
      else
        v.reason = entry.entered ? fmt::format("immigrant {:.6g} joins island {} ({} of {} places taken)",
                                               shown(c.fitness), island_number, before, island.capacity)
                                 : fmt::format("immigrant {:.6g} does not enter island {}: the tournament drew "
                                               "only its fittest member, or it is there already",
                                               shown(c.fitness), island_number);
      return v;
    }
    v.accept = island.offer(0, {c.id, c.commit, c.fitness});
    if (v.accept && before < static_cast<size_t>(island.capacity))
      v.reason = fmt::format("{:.6g} joins island {} ({} of {} places taken)", shown(c.fitness), island_number, before,
                             island.capacity);
    else {
      double worst = INFINITY;
      for (const auto& m : reference.at("members"))
        worst = std::min(worst, m.at("fitness").get<double>());
      v.reason = fmt::format("{:.6g} {} the least fit of island {} ({:.6g})", shown(c.fitness),
                             v.accept ? "replaces" : "does not beat", island_number, shown(worst));
    }
    return v;
  } catch (const nlohmann::json::exception& e) {
    return fail(fmt::format("population reference: {}", e.what()));
  }
}

Result<StrategyVerdict> pareto_verdict(const nlohmann::json& reference, const StrategyCandidate& c) {
  auto front = search::ParetoFront::from_json(reference.value("front", nlohmann::json()));
  if (!front)
    return std::unexpected(front.error());
  if (c.point.empty())
    return fail("pareto: the candidate has no objective values");
  size_t size = front->members.size();
  StrategyVerdict v;
  v.accept = front->offer({c.id, c.commit, c.point});
  size_t dominated = v.accept ? size + 1 - front->members.size() : 0;
  v.reason = v.accept ? fmt::format("not dominated by the front of {}; it dominates {} of them", size, dominated)
                      : fmt::format("dominated by (or equal to) a member of the front of {}", size);
  return v;
}

Result<StrategyVerdict> tree_verdict(const nlohmann::json& reference, const StrategyCandidate& c,
                                     double min_improvement, Shown shown) {
  const auto& parent = reference.value("parent_fitness", nlohmann::json());
  StrategyVerdict v;
  if (!parent.is_number()) {
    v.accept = true;
    v.reason = "the parent has no score";
    return v;
  }
  double p = parent.get<double>();
  v.accept = c.fitness > p + min_improvement;
  v.reason = fmt::format("{:.6g} {} its parent's {:.6g}{}", shown(c.fitness), v.accept ? "beats" : "does not beat", shown(p),
                         min_improvement > 0 ? fmt::format(" {} {}", shown.minimize ? "-" : "+", min_improvement) : "");
  return v;
}

Result<StrategyVerdict> elites_verdict(const nlohmann::json& reference, const StrategyCandidate& c, Shown shown) {
  auto archive = search::EliteArchive::from_json(reference.value("archive", nlohmann::json()));
  if (!archive)
    return std::unexpected(archive.error());
  auto cell = archive->cell_of(c.behaviour);
  if (!cell)
    return StrategyVerdict{false, "no behaviour cell: an axis has no value"};
  bool occupied = archive->cells.contains(*cell);
  double held = occupied ? archive->cells.at(*cell).fitness : 0;
  StrategyVerdict v;
  v.accept = archive->offer({c.id, c.commit, c.fitness, c.behaviour});
  v.reason = !occupied ? fmt::format("fills the empty cell ({})", *cell)
                       : fmt::format("{:.6g} {} the elite of cell ({}) at {:.6g}", shown(c.fitness),
                                     v.accept ? "beats" : "does not beat", *cell, shown(held));
  return v;
}

}  // namespace

Result<StrategyVerdict> strategy_verdict(const nlohmann::json& reference, const StrategyCandidate& candidate,
                                         double min_improvement, bool minimize) {
  Shown shown{minimize};
  std::string strategy = reference.value("strategy", "");
  if (strategy == "population")
    return population_verdict(reference, candidate, shown);
  if (strategy == "pareto")
    return pareto_verdict(reference, candidate);
  if (strategy == "tree")
    return tree_verdict(reference, candidate, min_improvement, shown);
  if (strategy == "elites")
    return elites_verdict(reference, candidate, shown);
  return fail(fmt::format("decide: unknown strategy reference '{}'", strategy));
}

}  // namespace anneal::nodes
