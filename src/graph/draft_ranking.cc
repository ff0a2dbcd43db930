#include "graph/draft_ranking.h"

#include <cmath>
#include <map>

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

}  // namespace anneal::graph
