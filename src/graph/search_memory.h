// What the search strategies remember between experiments: the population's islands, the
// Pareto front, the MAP-Elites archive, the tree of candidates, auto's bandit and the
// surrogate's training points. All of it is rebuilt by replaying the ledger's records of
// the current generation, so a killed build resumes with exactly the memory it had, and no
// ledger line has to carry the whole tree.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "search/elite_archive.h"
#include "search/pareto.h"
#include "search/population.h"
#include "search/thompson.h"
#include "search/ucb_tree.h"

namespace anneal::graph {

/// The strategies auto chooses among for `target` (search.auto.arms, or the defaults).
std::vector<std::string> auto_arms(const Target& target);

/// The archive's axes: search.archive.descriptors, or each judge criterion's pass rate.
std::vector<search::Descriptor> archive_axes(const Target& target);

/// One past candidate as the surrogate learns from it.
struct SurrogatePoint {
  std::vector<double> features;
  double fitness = 0;
};

struct SearchMemory {
  search::Population population;
  search::ParetoFront front;
  search::EliteArchive archive;
  search::UcbTree tree;
  search::ThompsonSampler bandit;
  std::vector<SurrogatePoint> surrogate;
  std::optional<double> best_fitness;  ///< the first objective's, larger is better

  /// Empty structures sized from the target's settings.
  static SearchMemory start(const Target& target);
  /// Replays one ledger record (the baseline first). Records that scored nothing only
  /// count as failed branches of the tree (and as auto's unrewarded pulls).
  void add(const Target& target, const nlohmann::json& record);
  /// start() then add() for each record, oldest first.
  static SearchMemory replay(const Target& target, const std::vector<nlohmann::json>& records);
};

/// The island experiment `id` works on.
size_t island_of(const Target& target, int id);

/// The seed of experiment `id`'s replacement tournament for an immigrant (a restart from the
/// baseline under the population strategy, search::Population::immigrate).
uint64_t immigration_seed(const Target& target, int id);

/// A candidate's point in objective space (each objective oriented larger-is-better), from a
/// record's or a decision's "objectives" values; nullopt when one is missing.
std::optional<search::Point> objective_point(const Target& target, const nlohmann::json& values);

}  // namespace anneal::graph
