// `anneal diff A B`: two experiments side by side: parameters, metrics, cost, code diff.
#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/experiment_params.h"
#include "cli/project.h"
#include "cli/record_lookup.h"
#include "cli/record_text.h"
#include "graph/ledger.h"

namespace anneal::cli {


Result<int> run_diff(const std::string& a, const std::string& b) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  auto left = find_experiment(*project, a);
  if (!left)
    return std::unexpected(left.error());
  auto right = find_experiment(*project, b);
  if (!right)
    return std::unexpected(right.error());
  const nlohmann::json& l = left->record;
  const nlohmann::json& r = right->record;
  std::string l_name = fmt::format("{}#{}", left->target, l.value("id", 0));
  std::string r_name = fmt::format("{}#{}", right->target, r.value("id", 0));

  // Rows of (label, left, right); a label without values is a heading.
  std::vector<std::array<std::string, 3>> rows;
  rows.push_back({"", l_name, r_name});
  rows.push_back({"outcome", l.value("outcome", ""), r.value("outcome", "")});
  // Tune parameters, by name, as each candidate's commit has them.
  std::vector<std::string> names;
  std::map<std::string, std::array<std::string, 2>> params;
  for (size_t side = 0; side < 2; ++side) {
    const FoundRecord& found = side == 0 ? *left : *right;
    auto target = find_target(project->annealfile, found.target);
    if (!target)
      return std::unexpected(target.error());
    std::vector<std::string> own = param_names(**target);
    std::vector<std::optional<double>> values = ParamReader(*project, **target).values(found.record);
    for (size_t i = 0; i < own.size(); ++i) {
      auto [it, fresh] = params.try_emplace(own[i], std::array<std::string, 2>{"-", "-"});
      if (fresh)
        names.push_back(own[i]);
      it->second[side] = values[i] ? fmt::format("{:g}", *values[i]) : "-";
    }
  }
  if (!names.empty())
    rows.push_back({"parameters", "", ""});
  for (const auto& name : names)
    rows.push_back({"  " + name, params.at(name)[0], params.at(name)[1]});
  rows.push_back({"score", number_text(l.value("score", nlohmann::json())), number_text(r.value("score", nlohmann::json()))});
  std::set<std::string> metrics;
  for (const auto* record : {&l, &r}) {
    const nlohmann::json scores = record->value("scores", nlohmann::json::object());
    for (const auto& [name, value] : scores.items())
      metrics.insert(name);
  }
  if (!metrics.empty())
    rows.push_back({"metrics", "", ""});
  for (const auto& metric : metrics) {
    auto value = [&](const nlohmann::json& record) {
      const nlohmann::json scores = record.value("scores", nlohmann::json::object());
      return number_text(scores.contains(metric) ? scores.at(metric) : nlohmann::json());
    };
    rows.push_back({"  " + metric, value(l), value(r)});
  }
  rows.push_back({"cost $", fmt::format("{:.4f}", l.value("cost_usd", 0.0)), fmt::format("{:.4f}", r.value("cost_usd", 0.0))});
  rows.push_back({"duration s", seconds_text(l.value("duration_s", 0.0)), seconds_text(r.value("duration_s", 0.0))});
  std::array<size_t, 3> widths{20, 14, 14};
  for (const auto& row : rows)
    for (size_t i = 0; i < 3; ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  for (const auto& row : rows)
    if (row[1].empty() && row[2].empty())
      fmt::print("{}\n", row[0]);
    else
      fmt::print("{:<{}} {:>{}} {:>{}}\n", row[0], widths[0], row[1], widths[1], row[2], widths[2]);
  for (const auto& [name, record] : {std::pair{l_name, &l}, std::pair{r_name, &r}})
    if (std::string hypothesis = one_line(record->value("hypothesis", "")); !hypothesis.empty())
      fmt::print("{}: {}\n", name, hypothesis);
  std::string from = commit_of(l), to = commit_of(r);
  if (from.empty() || to.empty()) {
    fmt::print("(no code diff: {} has no commit)\n", from.empty() ? l_name : r_name);
    return 0;
  }
  auto repo = project->workspace.repo();
  if (!repo)
    return std::unexpected(repo.error());
  auto patch = (*repo)->diff_patch(from, to);
  if (!patch)
    return std::unexpected(patch.error());
  fmt::print("\n{}", patch->empty() ? "(the two candidates have the same files)\n" : *patch);
  return 0;
}

}  // namespace anneal::cli
