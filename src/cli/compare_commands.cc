// `anneal diff A B` (two experiments side by side) and `anneal graph TARGET` (the candidate
// tree as Graphviz dot).
#include <map>
#include <set>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/project.h"
#include "cli/record_lookup.h"
#include "cli/record_text.h"
#include "graph/ledger.h"

namespace anneal::cli {

namespace {

/// The one experiment `name` names (TARGET#N, #N, a key or commit prefix).
Result<FoundRecord> one_experiment(Project& project, const std::string& name) {
  auto found = find_records(project, name);
  if (!found)
    return std::unexpected(found.error());
  if (found->empty())
    return fail(fmt::format("no experiment matches '{}' (write TARGET#N, or a key or commit prefix)", name));
  if (found->size() > 1)
    return fail(fmt::format("'{}' is ambiguous: it names {} experiments; give more digits", name, found->size()));
  return found->front();
}

std::string commit_of(const nlohmann::json& record) {
  return record.value("commit", nlohmann::json()).is_string() ? record.at("commit").get<std::string>() : "";
}

/// A dot string literal; a newline becomes a line break of the label.
std::string dot_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

Result<int> run_diff(const std::string& a, const std::string& b) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  auto left = one_experiment(*project, a);
  if (!left)
    return std::unexpected(left.error());
  auto right = one_experiment(*project, b);
  if (!right)
    return std::unexpected(right.error());
  const nlohmann::json& l = left->record;
  const nlohmann::json& r = right->record;
  std::string l_name = fmt::format("{}#{}", left->target, l.value("id", 0));
  std::string r_name = fmt::format("{}#{}", right->target, r.value("id", 0));
  fmt::print("{:<20} {:>14} {:>14}\n", "", l_name, r_name);
  fmt::print("{:<20} {:>14} {:>14}\n", "outcome", l.value("outcome", ""), r.value("outcome", ""));
  fmt::print("{:<20} {:>14} {:>14}\n", "score", number_text(l.value("score", nlohmann::json())),
             number_text(r.value("score", nlohmann::json())));
  std::set<std::string> metrics;
  for (const auto* record : {&l, &r}) {
    const nlohmann::json scores = record->value("scores", nlohmann::json::object());
    for (const auto& [name, value] : scores.items())
      metrics.insert(name);
  }
  for (const auto& metric : metrics) {
    auto value = [&](const nlohmann::json& record) {
      const nlohmann::json scores = record.value("scores", nlohmann::json::object());
      return number_text(scores.contains(metric) ? scores.at(metric) : nlohmann::json());
    };
    fmt::print("{:<20} {:>14} {:>14}\n", "  " + metric, value(l), value(r));
  }
  fmt::print("{:<20} {:>14} {:>14}\n", "cost $", fmt::format("{:.4f}", l.value("cost_usd", 0.0)),
             fmt::format("{:.4f}", r.value("cost_usd", 0.0)));
  fmt::print("{:<20} {:>14} {:>14}\n", "duration s", fmt::format("{:.1f}", l.value("duration_s", 0.0)),
             fmt::format("{:.1f}", r.value("duration_s", 0.0)));
  for (const auto& [name, record] : {std::pair{l_name, &l}, std::pair{r_name, &r}})
    if (!record->value("hypothesis", "").empty())
      fmt::print("{}: {}\n", name, record->value("hypothesis", ""));
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

Result<int> run_graph(const std::string& name) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  auto records = current_run(*project, name);
  if (!records)
    return std::unexpected(records.error());
  // One node per experiment (its latest attempt), labelled as a user reads it; an edge from
  // the experiment whose commit it started from.
  std::map<int, nlohmann::json> latest;
  for (const auto& r : *records) latest[r.value("id", 0)] = r;
  std::map<std::string, int> by_commit;
  for (const auto& [id, r] : latest)
    if (std::string c = commit_of(r); !c.empty() && r.value("outcome", "") != "blocked")
      by_commit.emplace(c, id);
  std::string best = latest.empty() ? "" : latest.rbegin()->second.value("state", nlohmann::json::object()).value("best", "");
  fmt::print("digraph {} {{\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"sans-serif\"];\n",
             dot_string(name));
  for (const auto& [id, r] : latest) {
    std::string outcome = r.value("outcome", "");
    std::string label = fmt::format("#{} {}\n{}", id, outcome, number_text(r.value("score", nlohmann::json())));
    std::string hypothesis = r.value("hypothesis", "");
    if (!hypothesis.empty())
      label += "\n" + (hypothesis.size() > 40 ? hypothesis.substr(0, 37) + "..." : hypothesis);
    std::string color = outcome == "kept" || outcome == "baseline" ? "darkgreen"
                        : outcome == "discarded"                  ? "gray40"
                                                                  : "firebrick";
    std::string style = !best.empty() && commit_of(r) == best ? ", penwidth=3" : "";
    fmt::print("  e{} [label={}, color={}{}];\n", id, dot_string(label), color, style);
  }
  for (const auto& [id, r] : latest) {
    std::string parent = r.value("parent", nlohmann::json()).is_string() ? r.at("parent").get<std::string>() : "";
    if (auto it = by_commit.find(parent); it != by_commit.end() && it->second != id)
      fmt::print("  e{} -> e{};\n", it->second, id);
  }
  fmt::print("}}\n");
  return 0;
}

}  // namespace anneal::cli
