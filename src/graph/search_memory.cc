#include "graph/search_memory.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "search/fitness.h"
#include "util/random.h"

namespace anneal::graph {

namespace {

search::Direction oriented(Direction direction) {
  return direction == Direction::Minimize ? search::Direction::Minimize : search::Direction::Maximize;
}

std::optional<std::vector<double>> numbers(const nlohmann::json& record, const char* field) {
  auto it = record.find(field);
  if (it == record.end() || !it->is_array())
    return std::nullopt;
  std::vector<double> out;
  for (const auto& v : *it) {
    if (!v.is_number())
      return std::nullopt;
    out.push_back(v.get<double>());
  }
  return out;
}

std::string text_of(const nlohmann::json& record, const char* field) {
  auto it = record.find(field);
  return it != record.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::vector<std::string> auto_arms(const Target& target) {
  if (!target.search.arms.empty())
    return target.search.arms;
  std::vector<std::string> arms = {"greedy", "population", "tree"};
  if (target.objectives.size() > 1)
    arms.push_back("pareto");
  return arms;
}

std::vector<search::Descriptor> archive_axes(const Target& target) {
  std::vector<search::Descriptor> axes;
  for (const auto& d : target.search.archive)
    axes.push_back({d.metric, d.min, d.max, d.bins});
  if (axes.empty() && target.judge)
    for (size_t i = 0; i < target.judge->criteria.size(); ++i) {
      const auto& name = target.judge->criteria[i].name;
      axes.push_back({name.empty() ? fmt::format("judge.{}", i + 1) : "judge." + name, 0, 1, 5});
    }
  return axes;
}

size_t island_of(const Target& target, int id) {
  int islands = std::max(target.search.population.islands, 1);
  return static_cast<size_t>(std::max(id, 0) % islands);
}

uint64_t immigration_seed(const Target& target, int id) {
  return mix_seed(mix_seed(target.search.seed, static_cast<uint64_t>(std::max(id, 0))),
                  0x696d6d6967726e74ULL);  // "immigrnt"
}

std::optional<search::Point> objective_point(const Target& target, const nlohmann::json& values) {
  if (!values.is_array() || values.size() != target.objectives.size())
    return std::nullopt;
  search::Point point;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!values[i].is_number())
      return std::nullopt;
    point.push_back(search::fitness(oriented(target.objectives[i].direction), values[i].get<double>()));
  }
  return point;
}

SearchMemory SearchMemory::start(const Target& target) {
  SearchMemory m;
  const PopulationSettings& p = target.search.population;
  m.population = search::Population(std::max(p.islands, 1), std::max(p.size, 1));
  m.archive.descriptors = archive_axes(target);
  m.tree = search::UcbTree(target.search.tree.exploration, target.search.tree.prune_after);
  m.bandit = search::ThompsonSampler(auto_arms(target));
  return m;
}

void SearchMemory::add(const Target& target, const nlohmann::json& record) {
  int id = record.value("id", 0);
  std::string outcome = text_of(record, "outcome");
  std::string commit = text_of(record, "commit");
  std::string parent = text_of(record, "parent");
  const nlohmann::json& score_json = record.contains("score") ? record.at("score") : nlohmann::json();
  bool scored = (outcome == "baseline" || outcome == "kept" || outcome == "discarded") && score_json.is_number() &&
                !commit.empty();
  std::optional<double> fitness;
  if (scored)
    fitness = search::fitness(oriented(target.objective.direction), score_json.get<double>());

  bool entered_front = false;
  if (fitness) {
    search::Member member{id, commit, *fitness};
    if (outcome == "baseline") {
      // The baseline seeds every island, the front, the archive and the tree's root.
      for (size_t i = 0; i < population.islands.size(); ++i)
        population.offer(i, member);
      tree.add_root(id, commit, *fitness);
    } else if (record.value("immigrant", false)) {
      Rng rng(immigration_seed(target, id));
      population.immigrate(island_of(target, id), member, target.search.population.tournament, rng);
    } else {
      population.offer(island_of(target, id), member);
      // The tree grows by what the decision calls an improvement: min_improvement included.
      bool enough = true;
      for (const auto& node : tree.nodes())
        if (node.commit == parent)
          enough = *fitness > node.fitness + target.objective.min_improvement;
      if (enough)
        tree.record(parent, id, commit, fitness);
      else
        tree.record(parent, id, "", std::nullopt);
    }
    if (target.objectives.size() > 1)
      if (auto point = objective_point(target, record.value("objectives", nlohmann::json())))
        entered_front = front.offer({id, commit, *point});
    if (!archive.descriptors.empty())
      if (auto behaviour = numbers(record, "behaviour"))
        archive.offer({id, commit, *fitness, *behaviour});
    if (auto features = numbers(record, "features"))
      surrogate.push_back({*features, *fitness});
  } else if (outcome != "baseline") {
    tree.record(parent, id, "", std::nullopt);
  }

  if (std::string arm = text_of(record, "strategy"); !arm.empty() && target.search.strategy == "auto") {
    bool improved = fitness && (!best_fitness || *fitness > *best_fitness);
    for (size_t i = 0; i < bandit.arms.size(); ++i)
      if (bandit.arms[i].name == arm)
        bandit.reward(i, improved || entered_front ? 1.0 : 0.0);
  }
  if (fitness && (!best_fitness || *fitness > *best_fitness))
    best_fitness = fitness;
  int every = target.search.population.migrate_every;
  if (outcome != "baseline" && every > 0 && id % every == 0 && population.islands.size() > 1)
    population.migrate();
}

SearchMemory SearchMemory::replay(const Target& target, const std::vector<nlohmann::json>& records) {
  SearchMemory m = start(target);
  for (const auto& record : records)
    m.add(target, record);
  return m;
}

}  // namespace anneal::graph
