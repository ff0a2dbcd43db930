#include "cli/run_summary.h"

#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "cli/record_text.h"
#include "graph/retry_plan.h"

namespace anneal::cli {

Result<RunSummary> summarize_run(Project& project, const graph::Target& target) {
  RunSummary s;
  s.target = target.name;
  s.metric = target.objective.metric;
  s.minimize = target.objective.direction == graph::Direction::Minimize;
  auto run = current_run(project, target.name);
  if (!run)
    return std::unexpected(run.error());
  s.records = graph::latest_attempts(*run);
  s.all_table = experiment_table(project, target, s.records, false);
  if (s.records.empty()) {
    s.step_table = s.all_table;
    return s;
  }
  auto position = graph::recorded_position(s.records.back());
  s.baseline_score = position.baseline_score;
  s.best_score = position.best_score;
  s.baseline_commit = position.baseline;
  s.best_commit = position.best;
  std::map<std::string, int> counts;
  for (const auto& r : s.records) {
    ++counts[r.value("outcome", "")];
    s.cost_usd += r.value("cost_usd", 0.0);
    s.duration_s += r.value("duration_s", 0.0);
  }
  for (const char* outcome : {"baseline", "kept", "discarded", "rejected", "blocked", "unchanged", "duplicate", "crashed"})
    if (auto it = counts.find(outcome); it != counts.end()) {
      s.outcomes.push_back(*it);
      counts.erase(it);
    }
  for (const auto& other : counts)
    s.outcomes.push_back(other);
  // From the best back to the baseline along the parents of kept candidates.
  std::map<std::string, size_t> kept_at;
  for (size_t i = 0; i < s.records.size(); ++i) {
    std::string outcome = s.records[i].value("outcome", "");
    if (outcome == "kept" || outcome == "baseline")
      kept_at[commit_of(s.records[i])] = i;  // a later record of the same commit wins
  }
  std::vector<size_t> back;
  std::string at = s.best_commit.empty() ? s.baseline_commit : s.best_commit;
  while (!at.empty() && kept_at.contains(at) && back.size() <= s.records.size()) {
    size_t i = kept_at.at(at);
    back.push_back(i);
    if (s.records[i].value("outcome", "") == "baseline")
      break;
    const nlohmann::json parent = s.records[i].value("parent", nlohmann::json());
    at = parent.is_string() ? parent.get<std::string>() : "";
  }
  s.steps.assign(back.rbegin(), back.rend());
  std::vector<nlohmann::json> step_records;
  for (size_t i : s.steps)
    step_records.push_back(s.records[i]);
  s.step_table = experiment_table(project, target, step_records, false);
  if (!s.baseline_commit.empty() && !s.best_commit.empty() && s.best_commit != s.baseline_commit) {
    auto repo = project.workspace.repo();
    if (!repo)
      return std::unexpected(repo.error());
    auto patch = (*repo)->diff_patch(s.baseline_commit, s.best_commit);
    if (!patch)
      return std::unexpected(patch.error());
    s.patch = std::move(*patch);
  }
  return s;
}

std::string step_evidence(const nlohmann::json& r) {
  std::string out = r.value("decision", nlohmann::json::object()).value("reason", "");
  const nlohmann::json judged = r.value("judge", nlohmann::json());
  if (judged.is_object()) {
    const nlohmann::json test = judged.value("test", nlohmann::json());
    if (test.is_object() && test.contains("name")) {
      // A reason that names the test already gives its p-value and level: add the statistic.
      std::string name = test.value("name", ""), lower;
      for (char c : out)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      bool named = !name.empty() && lower.find(name) != std::string::npos;
      std::string t = named ? std::string() : name;
      if (test.value("statistic", nlohmann::json()).is_number())
        t += fmt::format("{}statistic {:g}", t.empty() ? "" : ", ", test.at("statistic").get<double>());
      if (!named && test.value("p", nlohmann::json()).is_number())
        t += fmt::format(", p = {:.3g}", test.at("p").get<double>());
      if (!named && test.value("level", nlohmann::json()).is_number())
        t += fmt::format(" (level {:.3g})", test.at("level").get<double>());
      if (!t.empty())
        out += (out.empty() ? "" : "; ") + (named ? t : "test: " + t);
    }
    const nlohmann::json interval = judged.value("interval", nlohmann::json::array());
    if (interval.is_array() && interval.size() == 2 && interval[0].is_number() && interval[1].is_number())
      out += fmt::format("{}95% interval {:.3g}–{:.3g}", out.empty() ? "" : "; ", interval[0].get<double>(),
                         interval[1].get<double>());
  }
  return out;
}

std::string change_text(std::optional<double> from, std::optional<double> to) {
  if (!from || !to || *from == 0 || !std::isfinite(*from) || !std::isfinite(*to))
    return "";
  return fmt::format("{:+.1f}%", (*to - *from) / std::fabs(*from) * 100);
}

}  // namespace anneal::cli
