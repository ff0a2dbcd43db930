#include "cli/experiment_params.h"

#include <map>

#include "nodes/tune.h"

namespace anneal::cli {

namespace {

nodes::TuneParam tune_param(const graph::TuneParam& p) { return {p.file, p.pattern, p.min, p.max, p.integer}; }

}  // namespace

std::vector<std::string> param_names(const graph::Target& target) {
  const auto& params = target.agent.params;
  std::vector<std::string> names;
  std::map<std::string, int> uses;
  for (const auto& p : params)
    ++uses[nodes::tune_param_name(tune_param(p))];
  for (size_t i = 0; i < params.size(); ++i) {
    std::string name = nodes::tune_param_name(tune_param(params[i]));
    if (name.empty())
      name = params[i].file + ":" + std::to_string(i + 1);
    else if (uses[name] > 1)
      name = params[i].file + ":" + name;
    names.push_back(name);
  }
  return names;
}

std::vector<std::optional<double>> ParamReader::values(const nlohmann::json& record) {
  const auto& params = m_target.agent.params;
  std::vector<std::optional<double>> out(params.size());
  const nlohmann::json commit = record.value("commit", nlohmann::json());
  if (params.empty() || !commit.is_string())
    return out;
  auto repo = m_project.workspace.repo();
  if (!repo)
    return out;
  std::map<std::string, std::optional<std::string>> files;
  for (size_t i = 0; i < params.size(); ++i) {
    auto [it, fresh] = files.try_emplace(params[i].file);
    if (fresh) {
      auto read = (*repo)->read_file_at(commit.get<std::string>(), params[i].file);
      if (read)
        it->second = std::move(*read);
    }
    if (!it->second)
      continue;
    if (auto value = nodes::tune_value(tune_param(params[i]), *it->second))
      out[i] = *value;
  }
  return out;
}

}  // namespace anneal::cli
