// `anneal repro HASH`: runs an experiment or a node again with the cache bypassed and says
// whether the result is the recorded one.
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/project.h"
#include "cli/record_lookup.h"
#include "graph/repro.h"

namespace anneal::cli {

namespace {

/// A recorded or fresh value for people: digests shortened, null as "none".
std::string value_text(const nlohmann::json& value) {
  if (value.is_null())
    return "none";
  if (value.is_boolean())
    return value.get<bool>() ? "yes" : "no";
  if (value.is_number())
    return fmt::format("{:g}", value.get<double>());
  if (value.is_string()) {
    std::string text = value.get<std::string>();
    if (text.empty())
      return "none";
    bool digest = text.size() >= 32 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
    return digest ? text.substr(0, 12) : text;
  }
  return value.dump();
}

/// "+1, +20%" for two numbers; empty otherwise.
std::string change_text(const nlohmann::json& recorded, const nlohmann::json& now) {
  if (!recorded.is_number() || !now.is_number())
    return "";
  double a = recorded.get<double>(), b = now.get<double>();
  std::string text = fmt::format("{:+g}", b - a);
  if (a != 0)
    text += fmt::format(", {:+.3g}%", 100 * (b - a) / std::fabs(a));
  return text;
}

nlohmann::json node_json(const graph::NodeRepro& node) {
  nlohmann::json differences = nlohmann::json::array();
  for (const auto& d : node.differences) {
    nlohmann::json entry = {{"value", d.name}, {"recorded", d.recorded}, {"now", d.now}};
    if (d.recorded.is_number() && d.now.is_number())
      entry["difference"] = d.now.get<double>() - d.recorded.get<double>();
    differences.push_back(std::move(entry));
  }
  return {{"key", node.key},
          {"node", node.description},
          {"recorded", node.recorded},
          {"reproduces", node.reproduces()},
          {"differences", std::move(differences)}};
}

void print_differences(const graph::NodeRepro& node, const char* indent) {
  for (const auto& d : node.differences) {
    std::string change = change_text(d.recorded, d.now);
    fmt::print("{}{}: recorded {}, now {}{}\n", indent, d.name, value_text(d.recorded), value_text(d.now),
               change.empty() ? "" : " (" + change + ")");
  }
}

void print_node(const graph::NodeRepro& node) {
  std::string state = !node.recorded            ? "ran (no recorded result left to compare with)"
                      : node.differences.empty() ? "same"
                                                 : "differs";
  fmt::print("  {} ({}): {}\n", node.description, node.key.substr(0, 16), state);
  print_differences(node, "    ");
}

}  // namespace

Result<int> run_repro(const ReproArgs& args) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  graph::ReproOptions options;
  options.tolerance = args.tolerance;

  auto records = find_records(*project, args.hash);
  if (!records)
    return std::unexpected(records.error());
  if (records->size() > 1)
    return fail(fmt::format("'{}' is ambiguous: it names {} experiments; give more digits", args.hash,
                            records->size()));
  nlohmann::json out = {{"tolerance", args.tolerance}};
  Result<graph::ReproReport> report = fail("");
  std::string what;
  if (records->size() == 1) {
    const auto& [target, record] = records->front();
    what = fmt::format("{} #{}", target, record.value("id", 0));
    out["experiment"] = {{"target", target}, {"id", record.value("id", 0)}, {"key", record.value("key", "")}};
    if (!args.json)
      fmt::print("repro {} ({}): its gates, stages and judge run again with the cache bypassed\n", what,
                 record.value("key", "").substr(0, 16));
    report = graph::reproduce_experiment(project->workspace, record, options);
  } else {
    auto keys = find_nodes(*project, args.hash);
    if (keys.size() > 1)
      return fail(fmt::format("'{}' is ambiguous: it names {} nodes; give more digits", args.hash, keys.size()));
    if (keys.empty())
      return fail(fmt::format("no experiment, commit or node matches '{}'", args.hash));
    out["node"] = keys.front().hex();
    report = graph::reproduce_node(project->workspace, keys.front(), options);
    if (report && !report->nodes.empty())
      what = report->nodes.front().description;
  }
  if (!report)
    return std::unexpected(report.error());

  out["reproduces"] = report->reproduces;
  out["nodes"] = nlohmann::json::array();
  for (const auto& node : report->nodes)
    out["nodes"].push_back(node_json(node));
  if (report->decision)
    out["decision"] = node_json(*report->decision);
  if (args.json) {
    fmt::print("{}\n", out.dump(2));
    return report->reproduces ? 0 : 1;
  }
  if (report->decision) {
    for (const auto& node : report->nodes)
      print_node(node);
    fmt::print("decision: {}\n", report->decision->differences.empty() ? "same" : "differs");
    print_differences(*report->decision, "  ");
  } else if (!report->nodes.empty()) {
    const auto& node = report->nodes.front();
    fmt::print("repro {} ({}): run again with the cache bypassed\n", node.description, node.key.substr(0, 16));
    print_differences(node, "  ");
  }
  fmt::print("{}: {}{}\n", what, report->reproduces ? "reproduces" : "does not reproduce",
             args.tolerance > 0 ? fmt::format(" (scores within {:g} relative)", args.tolerance) : "");
  return report->reproduces ? 0 : 1;
}

}  // namespace anneal::cli
