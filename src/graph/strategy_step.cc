#include "graph/strategy_step.h"

#include <functional>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "graph/draft_count.h"
#include "search/fitness.h"
#include "util/random.h"

namespace anneal::graph {

namespace {

constexpr uint64_t k_auto_stream = 0x6175746f2d61726dULL;    // "auto-arm"
constexpr uint64_t k_parent_stream = 0x706172656e742121ULL;  // "parent!!"

std::string short_commit(const std::string& commit) { return commit.substr(0, 10); }

/// A fitness as the first objective's score, for the ledger's one-line reasons.
double shown(const Target& target, double fitness) {
  return search::metric_value(target.objective.direction == Direction::Minimize ? search::Direction::Minimize
                                                                               : search::Direction::Maximize,
                              fitness);
}

/// The member of `members` a tournament picks, described; nullptr when there are none.
const search::Member* tournament_pick(const std::vector<search::Member>& members, int size, Rng& rng) {
  auto index = search::tournament(members, size, rng);
  return index ? &members[*index] : nullptr;
}

void population_starts(const Target& target, int id, int drafts, const SearchPosition& position,
                       const SearchMemory& memory, StrategyStep& step) {
  const PopulationSettings& settings = target.search.population;
  const std::string& fallback = position.incumbent;
  size_t island = island_of(target, id);
  const auto& members = memory.population.islands.at(island);
  nlohmann::json immigrants = nlohmann::json::array();
  for (int draft = 0; draft < drafts; ++draft) {
    Rng rng(mix_seed(draft_seed(target.search.seed, id, draft), k_parent_stream));
    DraftStart start;
    start.strategy = step.strategy;
    if (draft_restarts(target, id, draft, position)) {
      start.parent = position.baseline;
      start.restart = true;
      start.selection = fmt::format("immigrant: a restart from the baseline, entering island {} through a "
                                    "replacement tournament",
                                    island);
      immigrants.push_back(draft);
      step.starts.push_back(start);
      continue;
    }
    const search::Member* first = tournament_pick(members, settings.tournament, rng);
    if (!first) {
      start.parent = fallback;
      start.selection = fmt::format("island {} is empty: the incumbent", island);
      step.starts.push_back(start);
      continue;
    }
    start.parent = first->commit;
    start.selection = fmt::format("tournament of {} on island {}: #{} ({:.6g})", settings.tournament, island,
                                  first->id, shown(target, first->fitness));
    if (members.size() >= 2 && rng.uniform() < settings.crossover) {
      // A second tournament for the partner; a few tries to find a different member.
      for (int attempt = 0; attempt < 4; ++attempt) {
        const search::Member* second = tournament_pick(members, settings.tournament, rng);
        if (second && second->commit != first->commit) {
          start.second_parent = second->commit;
          start.selection += fmt::format(", crossed with #{} ({:.6g})", second->id, shown(target, second->fitness));
          break;
        }
      }
    }
    step.starts.push_back(start);
  }
  nlohmann::json members_json = nlohmann::json::array();
  for (const auto& m : members)
    members_json.push_back({{"id", m.id}, {"commit", m.commit}, {"fitness", m.fitness}});
  step.reference = {{"strategy", "population"},
                    {"island", island},
                    {"capacity", memory.population.capacity},
                    {"members", members_json}};
  if (!immigrants.empty()) {  // absent otherwise: earlier decide keys stay the same
    step.reference["immigrants"] = immigrants;
    step.reference["tournament"] = settings.tournament;
    step.reference["seed"] = immigration_seed(target, id);
  }
}

/// A parent per draft from `pick` (its commit and why), each draft with its own random
/// stream; `fallback` (the incumbent) with `empty` as the reason when there is none to pick.
using ParentPick = std::function<std::optional<std::pair<std::string, std::string>>(Rng&)>;

void picked_starts(const Target& target, int id, int drafts, StrategyStep& step, const std::string& fallback,
                   const std::string& empty, const ParentPick& pick) {
  for (int draft = 0; draft < drafts; ++draft) {
    Rng rng(mix_seed(draft_seed(target.search.seed, id, draft), k_parent_stream));
    DraftStart start;
    start.strategy = step.strategy;
    if (auto picked = pick(rng)) {
      start.parent = picked->first;
      start.selection = picked->second;
    } else {
      start.parent = fallback;
      start.selection = empty;
    }
    step.starts.push_back(start);
  }
}

void pareto_starts(const Target& target, int id, int drafts, const SearchMemory& memory, StrategyStep& step,
                   const std::string& fallback) {
  picked_starts(target, id, drafts, step, fallback, "the front is empty: the incumbent",
                [&](Rng& rng) -> std::optional<std::pair<std::string, std::string>> {
                  auto index = memory.front.pick(rng);
                  if (!index)
                    return std::nullopt;
                  const auto& member = memory.front.members[*index];
                  return std::pair{member.commit, fmt::format("front member #{} of {} (crowding tournament)",
                                                              member.id, memory.front.members.size())};
                });
  step.reference = {{"strategy", "pareto"}, {"front", memory.front.to_json()}};
}

void tree_starts(int drafts, const SearchMemory& memory, StrategyStep& step,
                 const std::string& fallback) {
  auto [commit, why] = memory.tree.select();
  double parent_fitness = 0;
  bool found = false;
  for (const auto& node : memory.tree.nodes())
    if (node.commit == commit) {
      parent_fitness = node.fitness;
      found = true;
    }
  if (commit.empty()) {
    commit = fallback;
    why = "the tree is empty: the incumbent";
  }
  for (int draft = 0; draft < drafts; ++draft)
    step.starts.push_back({commit, false, "", step.strategy, fmt::format("{}: {}", short_commit(commit), why)});
  step.reference = {{"strategy", "tree"},
                    {"parent_fitness", found ? nlohmann::json(parent_fitness) : nlohmann::json(nullptr)}};
}

void elite_starts(const Target& target, int id, int drafts, const SearchMemory& memory, StrategyStep& step,
                  const std::string& fallback) {
  picked_starts(target, id, drafts, step, fallback, "the archive is empty: the incumbent",
                [&](Rng& rng) -> std::optional<std::pair<std::string, std::string>> {
                  auto elite = memory.archive.pick(rng);
                  if (!elite)
                    return std::nullopt;
                  return std::pair{elite->commit,
                                   fmt::format("elite #{} of {} cells ({:.0f}% covered)", elite->id,
                                               memory.archive.cells.size(), memory.archive.coverage() * 100)};
                });
  step.reference = {{"strategy", "elites"}, {"archive", memory.archive.to_json()}};
}

}  // namespace

StrategyStep strategy_step(const Target& target, int id, const SearchPosition& position,
                           const SearchMemory& memory) {
  StrategyStep step;
  step.strategy = target.search.strategy;
  std::string why_arm;
  if (step.strategy == "auto" && !memory.bandit.arms.empty()) {
    Rng rng(mix_seed(mix_seed(target.search.seed, static_cast<uint64_t>(id)), k_auto_stream));
    const auto& arm = memory.bandit.arms[memory.bandit.choose(rng)];
    step.strategy = arm.name;
    why_arm = fmt::format("auto chose {} (Beta({:.0f}, {:.0f}) after {} pulls): ", arm.name, 1 + arm.successes,
                          1 + arm.failures, arm.pulls);
  }
  const int drafts = draft_count(target, position);
  if (step.strategy == "population")
    population_starts(target, id, drafts, position, memory, step);
  else if (step.strategy == "pareto")
    pareto_starts(target, id, drafts, memory, step, position.incumbent);
  else if (step.strategy == "tree")
    tree_starts(drafts, memory, step, position.incumbent);
  else if (step.strategy == "elites")
    elite_starts(target, id, drafts, memory, step, position.incumbent);
  else {
    step.starts = draft_starts(target, id, position);
    for (auto& start : step.starts) {
      start.strategy = step.strategy;
      start.selection = start.restart ? "restart from the baseline" : "the incumbent";
    }
  }
  for (auto& start : step.starts)
    start.selection = why_arm + start.selection;
  // Population and tree adapt the tune step to improvements of the best: entering an island
  // or beating a parent stays frequent long after the search stops improving, and a step
  // grown on it never refines. Pareto and elites keep their own entries as the signal: a new
  // front member or a new cell is progress even when the first objective does not improve.
  if ((step.strategy == "population" || step.strategy == "tree") && memory.best_fitness)
    step.reference["best_fitness"] = *memory.best_fitness;
  return step;
}

}  // namespace anneal::graph
