#include "graph/draft_ranking.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <map>

#include "nodes/candidate.h"
#include "nodes/tune.h"
#include "search/gaussian_process.h"

namespace anneal::graph {

Result<std::vector<double>> candidate_features(const git::Repository& repo, const Target& target,
                                               const std::string& parent, const std::string& commit) {
  std::vector<double> features;
  if (target.agent.kind == AgentKind::Tune) {
    std::vector<nodes::TuneParam> params;
    std::map<std::string, std::string> files;
    for (const auto& p : target.agent.params) {
      params.push_back({p.file, p.pattern, p.min, p.max, p.integer});
      auto text = repo.read_file_at(commit, p.file);
      if (!text)
        return std::unexpected(text.error());
      if (*text)
        files.emplace(std::filesystem::path(p.file).lexically_normal().string(), **text);
    }
    for (const auto& value : nodes::tune_values(params, files))
      features.push_back(value.value_or(0.5));
    return features;
  }
  auto patch = repo.diff_patch(parent, commit);
  if (!patch)
    return std::unexpected(patch.error());
  double added = 0, removed = 0, files = 0;
  size_t start = 0;
  while (start < patch->size()) {
    size_t end = patch->find('\n', start);
    if (end == std::string::npos)
      end = patch->size();
    std::string_view line(patch->data() + start, end - start);
    if (line.starts_with("diff --git"))
      ++files;
    else if (line.starts_with("+") && !line.starts_with("+++"))
      ++added;
    else if (line.starts_with("-") && !line.starts_with("---"))
      ++removed;
    start = end + 1;
  }
  return std::vector<double>{std::log1p(added), std::log1p(removed), files};
}

DraftRanking rank_drafts(const SearchMemory& memory, const std::vector<std::vector<double>>& features) {
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (const auto& point : memory.surrogate)
    if (!features.empty() && point.features.size() == features.front().size()) {
      x.push_back(point.features);
      y.push_back(point.fitness);
    }
  DraftRanking ranking;
  ranking.expected_improvement.assign(features.size(), 0);
  for (const auto& [index, ei] : search::rank_by_expected_improvement(x, y, features)) {
    ranking.order.push_back(index);
    ranking.expected_improvement[index] = ei;
  }
  return ranking;
}

Result<RankedEvaluation> evaluate_ranked(ExperimentPlan& plan, const Target& target, const SearchMemory& memory,
                                         git::Repository& repo, nodes::NodeContext& context,
                                         const std::function<Result<void>(const std::vector<PlannedNode>&)>& run) {
  RankedEvaluation out;
  auto nodes_at = [&](const std::vector<std::vector<size_t>>& groups, std::optional<size_t> only) {
    std::vector<PlannedNode> picked;
    for (size_t g = 0; g < groups.size(); ++g)
      if (!only || *only == g)
        for (size_t i : groups[g])
          picked.push_back(plan.nodes[i]);
    return picked;
  };
  if (auto ran = run(nodes_at(plan.mutation_nodes, std::nullopt)); !ran)
    return std::unexpected(ran.error());
  const size_t drafts = plan.mutations.size();
  out.features.assign(drafts, {});
  std::vector<size_t> scored;  // drafts with a candidate, in draft order
  std::vector<std::vector<double>> features;
  for (size_t d = 0; d < drafts; ++d) {
    auto mutation = nodes::cached_result(*context.store, plan.mutations[d]);
    if (!mutation || !mutation->ok())
      continue;
    if (auto made = nodes::ensure_commit(context, *mutation); !made)
      return std::unexpected(made.error());
    auto f = candidate_features(repo, target, plan.starts.at(d).parent, mutation->commit);
    if (!f)
      return std::unexpected(f.error());
    out.features[d] = *f;
    scored.push_back(d);
    features.push_back(*f);
  }
  DraftRanking ranking = rank_drafts(memory, features);
  std::vector<size_t> order;
  nlohmann::json ei = nlohmann::json::object();
  for (size_t r : ranking.order) {
    order.push_back(scored[r]);
    ei[std::to_string(scored[r])] = ranking.expected_improvement[r];
  }
  std::vector<size_t> evaluated;
  // A draft whose agent did not finish leaves the ranking incomplete: the experiment is
  // decided on those drafts alone (unfinished, so it runs again) and nothing is evaluated.
  for (size_t d = 0; d < drafts; ++d)
    if (auto mutation = nodes::latest_result(*context.store, plan.mutations[d]); mutation && mutation->unfinished)
      evaluated.push_back(d);
  if (!evaluated.empty())
    order.clear();
  for (size_t d : order) {
    evaluated.push_back(d);
    if (auto ran = run(nodes_at(plan.evaluation_nodes, d)); !ran)
      return std::unexpected(ran.error());
    bool survived = true;
    for (size_t i : plan.evaluation_nodes[d]) {
      auto result = nodes::cached_result(*context.store, plan.nodes[i].spec.key);
      survived = survived && result && (result->ok() || result->outcome == nodes::Outcome::Skipped);
    }
    if (survived)
      break;
  }
  // Drafts whose mutation failed need no evaluation; their failure is reported only when
  // no draft was evaluated at all.
  if (evaluated.empty())
    for (size_t d = 0; d < drafts; ++d) {
      evaluated.push_back(d);
      if (auto ran = run(nodes_at(plan.evaluation_nodes, d)); !ran)
        return std::unexpected(ran.error());
    }
  nlohmann::json decide = plan.decide.json;
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& candidate : decide.at("candidates"))
    if (std::find(evaluated.begin(), evaluated.end(), candidate.value("draft", 0)) != evaluated.end())
      kept.push_back(candidate);
  decide["candidates"] = std::move(kept);
  out.record = {{"order", order}, {"expected_improvement", ei}, {"evaluated", evaluated}};
  decide["surrogate"] = out.record;
  plan.decide = nodes::make_spec(std::move(decide));
  return out;
}

}  // namespace anneal::graph
