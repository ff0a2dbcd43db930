#include "graph/failure_category.h"

#include <algorithm>
#include <map>
#include <string_view>

#include <fmt/format.h>

namespace anneal::graph {

const std::vector<std::string> k_agent_categories = {"output_format", "logic_error", "regression",
                                                     "performance",   "runtime_error", "resource"};

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

/// "NAME" of a detail that starts "PREFIX NAME: " (node details: "gate lint: exit status 3").
std::string named(std::string_view line, std::string_view prefix) {
  if (!line.starts_with(prefix))
    return "";
  size_t colon = line.find(": ", prefix.size());
  return colon == std::string_view::npos ? "" : std::string(line.substr(prefix.size(), colon - prefix.size()));
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

/// What a failure's detail says, by the wording of the nodes that write it (evaluate.cc,
/// mutate.cc, judge_decision.cc, decide_node.cc).
std::string detail_category(const std::string& outcome, const std::string& detail) {
  const std::string line = first_line(detail);
  std::string gate = named(line, "gate ");
  std::string stage = named(line, "stage ");
  // Only the node's own words count: a gate's stderr after them may say anything.
  std::string_view own = line;
  if (!gate.empty() || !stage.empty())
    own.remove_prefix(line.find(": ") + 2);
  if (own.starts_with("timed out") || (line.starts_with("agent: ") && contains(line, ": timed out after ")))
    return "timeout";
  if (!gate.empty())
    return outcome == "rejected" ? "gate:" + gate : "crash";
  if (contains(own, " fails keep_if ")) {
    if (!stage.empty())
      return "keep_if:" + stage;
    if (own.starts_with("judge score "))
      return "keep_if:judge";
    if (size_t rate = own.find(" pass rate "); rate != std::string_view::npos)
      return "keep_if:judge." + std::string(own.substr(0, rate));
  }
  if (contains(own, "printed no number") || own.starts_with("parse command: ") ||
      (line.starts_with("stage ") && line.ends_with(" gave no score")))
    return "parse";
  if (line.starts_with("edit blocks did not apply") || line.starts_with("reply: ") ||
      contains(line, " does not apply on the new baseline "))
    return "edit_failed";
  return "crash";
}

/// What each category means, for the agent.
std::string gloss(const std::string& category) {
  static const std::map<std::string, std::string, std::less<>> glosses = {
      {"scope", "changed files outside the scope"},
      {"unchanged", "changed nothing"},
      {"duplicate", "repeated a candidate already measured"},
      {"timeout", "ran out of time"},
      {"edit_failed", "the edit could not be applied: quote SEARCH text exactly"},
      {"parse", "a stage printed no number"},
      {"crash", "the agent or an evaluation failed"},
      {"regression", "measured, and no better than the current best"},
      {"output_format", "output in the wrong format"},
      {"logic_error", "the change broke the logic"},
      {"performance", "too slow or too costly"},
      {"runtime_error", "failed at run time"},
      {"resource", "ran out of a resource"},
      {"unexplained", "no known cause"},
  };
  if (category.starts_with("gate:"))
    return "the verify gate " + category.substr(5) + " failed";
  if (category.starts_with("keep_if:"))
    return category.substr(8) + " failed its keep_if";
  auto it = glosses.find(category);
  return it == glosses.end() ? "" : it->second;
}

}  // namespace

std::string rule_category(const nlohmann::json& record) {
  const std::string outcome = record.value("outcome", "");
  const std::string detail = record.value("detail", "");
  if (record.value("id", 0) == 0 || outcome == "baseline" || outcome == "kept")
    return "";
  if (outcome == "discarded")
    return "regression";
  if (outcome == "duplicate")
    return "duplicate";
  if (outcome == "unchanged")
    return "unchanged";
  if (outcome == "blocked") {
    bool violations = record.contains("violations") && record.at("violations").is_array() &&
                      !record.at("violations").empty();
    // Unchanged was blocked with detail "no change" before it had an outcome of its own.
    return !violations && first_line(detail) == "no change" ? "unchanged" : "scope";
  }
  if (outcome == "rejected" || outcome == "crashed")
    return detail_category(outcome, detail);
  return "unexplained";
}

std::string failure_category(const nlohmann::json& record) {
  if (record.contains("failure") && record.at("failure").is_object())
    if (std::string recorded = record.at("failure").value("category", ""); !recorded.empty())
      return recorded;
  return rule_category(record);
}

bool blind_spot(const std::string& category) { return category == "crash" || category == "unexplained"; }

FailureDistribution failure_distribution(const std::vector<nlohmann::json>& records) {
  FailureDistribution out;
  std::map<std::string, size_t> counts;
  for (const auto& r : records) {
    if (r.value("id", 0) == 0)
      continue;
    ++out.experiments;
    std::string category = failure_category(r);
    if (category.empty())
      continue;
    ++out.failed;
    ++counts[category];
    if (blind_spot(category))
      out.blind_spots.push_back(
          {{"id", r.value("id", 0)}, {"category", category}, {"detail", first_line(r.value("detail", ""))}});
  }
  out.counts.assign(counts.begin(), counts.end());
  std::stable_sort(out.counts.begin(), out.counts.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

nlohmann::json FailureDistribution::to_json() const {
  nlohmann::json categories = nlohmann::json::array();
  for (const auto& [category, count] : counts)
    categories.push_back({{"category", category}, {"count", count}});
  return {{"experiments", experiments}, {"failed", failed}, {"categories", std::move(categories)},
          {"blind_spots", blind_spots}};
}

std::string failure_prompt_lines(const FailureDistribution& distribution) {
  std::string out;
  for (const auto& [category, count] : distribution.counts) {
    std::string meaning = gloss(category);
    out += fmt::format("- {} of the last {} failed {}{}\n", count, distribution.experiments, category,
                       meaning.empty() ? "" : fmt::format(" ({})", meaning));
  }
  return out;
}

}  // namespace anneal::graph
