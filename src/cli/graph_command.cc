// `anneal graph TARGET`: the candidate tree as Graphviz dot; `--experiment N`: the nodes one
// experiment ran and what each waited for. Labels say what a user reads (kind, experiment,
// outcome, score), never a bare hash.
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/experiment_nodes.h"
#include "cli/project.h"
#include "cli/record_lookup.h"
#include "cli/record_text.h"
#include "nodes/node.h"

namespace anneal::cli {

namespace {

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

/// A hypothesis as a label's last line.
std::string label_line(const std::string& text) { return truncate_display(one_line(text), 40); }

std::string outcome_color(const std::string& outcome) {
  if (outcome == "kept" || outcome == "baseline" || outcome == "ok")
    return "darkgreen";
  return outcome == "discarded" || outcome == "skipped" || outcome == "not run" ? "gray40" : "firebrick";
}

/// Every string anywhere in `spec` (the keys of a node's inputs are among them).
void strings_in(const nlohmann::json& spec, std::set<std::string>& out) {
  if (spec.is_string())
    out.insert(spec.get<std::string>());
  else if (spec.is_structured())
    for (const auto& item : spec)
      strings_in(item, out);
}

/// The experiment's nodes and the decide node as dot: an edge from each node to those that
/// read its key, less the edges a longer path already implies.
Result<int> print_experiment_graph(Project& project, const std::string& target, int id) {
  auto found = find_experiment(project, fmt::format("{}#{}", target, id));
  if (!found)
    return std::unexpected(found.error());
  const nlohmann::json& record = found->record;
  std::vector<ExperimentNode> listed = experiment_nodes(project, record);
  std::string decide = record.value("key", "");
  std::vector<std::string> keys;
  std::map<std::string, std::string> labels, colors;
  for (const auto& node : listed) {
    if (labels.contains(node.key))
      continue;  // a node two drafts share
    std::string what = node.what;
    auto digest = cache::Digest::from_hex(node.key);
    auto spec = digest ? project.workspace.load_spec(*digest) : Result<nodes::NodeSpec>(fail("bad key"));
    if (spec && node.what == "verify")
      what += " " + spec->json.value("name", "");
    if (spec && node.what == "judge" && spec->json.contains("sample"))
      what += " " + spec->json.at("sample").value("name", "");
    std::string outcome = node.result ? std::string(nodes::outcome_name(node.result->outcome)) : "not run";
    std::string label = fmt::format("{}\n{}#{} draft {}\n{}", what, target, id, node.draft, outcome);
    if (node.result && node.result->score)
      label += fmt::format(" {:g}", *node.result->score);
    if (node.result)
      label += fmt::format(", {} s", seconds_text(node.result->duration_s));
    keys.push_back(node.key);
    labels[node.key] = label;
    colors[node.key] = outcome_color(outcome);
  }
  std::string outcome = record.value("outcome", "");
  std::string label = fmt::format("decide\n{}#{}\n{} {}", target, id, outcome, number_text(record.value("score", nlohmann::json())));
  if (!record.value("hypothesis", "").empty())
    label += "\n" + label_line(record.value("hypothesis", ""));
  keys.push_back(decide);
  labels[decide] = label;
  colors[decide] = outcome_color(outcome);

  // Who reads whom: a node's spec names the keys of its inputs.
  size_t n = keys.size();
  std::vector<std::vector<bool>> reads(n, std::vector<bool>(n, false));
  for (size_t j = 0; j < n; ++j) {
    auto digest = cache::Digest::from_hex(keys[j]);
    auto spec = digest ? project.workspace.load_spec(*digest) : Result<nodes::NodeSpec>(fail("bad key"));
    if (!spec)
      continue;
    std::set<std::string> strings;
    strings_in(spec->json, strings);
    for (size_t i = 0; i < n; ++i)
      reads[i][j] = i != j && strings.contains(keys[i]);
  }
  // Reachability (Floyd–Warshall on booleans; a few dozen nodes at most), then the reduction.
  std::vector<std::vector<bool>> path = reads;
  for (size_t k = 0; k < n; ++k)
    for (size_t i = 0; i < n; ++i)
      if (path[i][k])
        for (size_t j = 0; j < n; ++j)
          if (path[k][j])
            path[i][j] = true;
  fmt::print("digraph {} {{\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"sans-serif\"];\n",
             dot_string(fmt::format("{}#{}", target, id)));
  for (const auto& key : keys)
    fmt::print("  n{} [label={}, color={}, tooltip={}];\n", key.substr(0, 16), dot_string(labels[key]), colors[key],
               dot_string("anneal show " + key.substr(0, 16)));
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      if (!reads[i][j])
        continue;
      bool implied = false;
      for (size_t k = 0; k < n && !implied; ++k)
        implied = k != i && k != j && path[i][k] && path[k][j];
      if (!implied)
        fmt::print("  n{} -> n{};\n", keys[i].substr(0, 16), keys[j].substr(0, 16));
    }
  fmt::print("}}\n");
  return 0;
}

}  // namespace

Result<int> run_graph(const std::string& name, std::optional<int> experiment) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  if (experiment)
    return print_experiment_graph(*project, name, *experiment);
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
    if (std::string hypothesis = label_line(r.value("hypothesis", "")); !hypothesis.empty())
      label += "\n" + hypothesis;
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
