#include "graph/failure_classifier.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "graph/failure_category.h"
#include "nodes/node.h"

namespace anneal::graph {

namespace {

constexpr size_t k_log_tail = 1500;   ///< bytes of each log shown
constexpr size_t k_log_total = 8000;  ///< bytes of logs in one prompt

/// What each category the classifier may give means, as the seed's users read it.
const char* meaning(const std::string& category) {
  if (category == "output_format") return "the output is there but in the wrong shape (format, parse, schema)";
  if (category == "logic_error") return "the change broke what the code or text does (wrong results, failed assertions)";
  if (category == "regression") return "it works but measures worse than before";
  if (category == "performance") return "too slow, too large or too costly";
  if (category == "runtime_error") return "it fails to run (exception, crash, missing dependency, syntax)";
  if (category == "resource") return "it ran out of time, memory or disk";
  return "";
}

std::string tail(const std::string& text) {
  return text.size() <= k_log_tail ? text : "…" + text.substr(text.size() - k_log_tail);
}

std::string trimmed(std::string text) {
  size_t start = text.find_first_not_of(" \t\r*`");
  size_t end = text.find_last_not_of(" \t\r*`.");
  return start == std::string::npos ? "" : text.substr(start, end - start + 1);
}

/// The value of the reply's line "NAME: value" (case ignored), or "".
std::string reply_field(const std::string& reply, std::string_view name) {
  size_t at = 0;
  while (at < reply.size()) {
    size_t end = reply.find('\n', at);
    std::string line = trimmed(reply.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (line.size() > name.size() && line[name.size()] == ':' &&
        std::equal(name.begin(), name.end(), line.begin(),
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); }))
      return trimmed(line.substr(name.size() + 1));
    if (end == std::string::npos)
      break;
    at = end + 1;
  }
  return "";
}

}  // namespace

std::string failure_logs(const ExperimentPlan& plan, const nlohmann::json& record, const cache::LocalStore& store) {
  const size_t draft = static_cast<size_t>(std::max(0, record.value("draft", 0)));
  const bool regression = rule_category(record) == "regression";
  std::vector<size_t> indices;
  if (draft < plan.mutation_nodes.size())
    indices = plan.mutation_nodes[draft];
  if (draft < plan.evaluation_nodes.size())
    indices.insert(indices.end(), plan.evaluation_nodes[draft].begin(), plan.evaluation_nodes[draft].end());
  std::string out;
  for (size_t i : indices) {
    if (i >= plan.nodes.size() || out.size() > k_log_total)
      continue;
    const PlannedNode& node = plan.nodes[i];
    auto result = nodes::latest_result(store, node.spec.key);
    if (!result || result->outcome == nodes::Outcome::Skipped)
      continue;
    bool stage = node.spec.kind() == "stage";
    if (result->ok() && !(regression && stage))
      continue;
    out += fmt::format("### {} ({}{})\n", node.description, nodes::outcome_name(result->outcome),
                       result->score ? fmt::format(", score {:g}", *result->score) : "");
    if (!result->detail.empty())
      out += result->detail.substr(0, k_log_tail) + "\n";
    for (const char* name : {"stdout", "stderr"}) {
      auto it = result->blobs.find(name);
      auto digest = it == result->blobs.end() ? std::nullopt : cache::Digest::from_hex(it->second);
      auto bytes = digest ? store.get_blob(*digest) : std::nullopt;
      if (bytes && !bytes->empty())
        out += fmt::format("{}:\n```\n{}{}```\n", name, tail(*bytes), bytes->back() == '\n' ? "" : "\n");
    }
  }
  return out;
}

std::optional<PlannedNode> classification_call(const Target& target, const nlohmann::json& record,
                                               const std::string& logs) {
  if (!target.taxonomy || record.value("unfinished", false))  // an unfinished one runs again
    return std::nullopt;
  const std::string rule = rule_category(record);
  if (rule != "crash" && rule != "regression")
    return std::nullopt;
  const Agent& agent = target.taxonomy->agent;
  std::string categories;
  for (const auto& c : k_agent_categories)
    categories += fmt::format("- {}: {}\n", c, meaning(c));
  categories += "- unexplained: none of these explains it\n";
  auto score = [&](const char* field) {
    const auto& v = record.value(field, nlohmann::json());
    return v.is_number() ? fmt::format("{:g}", v.get<double>()) : std::string("none");
  };
  std::string prompt = fmt::format(
      "Experiment #{} on target '{}' (objective: {} `{}`) did not improve. The built-in rules call its failure "
      "`{}`.\n\nOutcome: {}\nWhy: {}\nHypothesis: {}\nScore: {}\n\nWhat its nodes printed:\n\n{}\n"
      "Classify the failure into exactly one of these categories:\n{}\n"
      "Reply with two lines and nothing else:\nCategory: <one category from the list>\nReason: <one sentence>\n",
      record.value("id", 0), target.name, target.objective.direction == Direction::Minimize ? "minimize" : "maximize",
      target.objective.metric, rule, record.value("outcome", ""), record.value("detail", ""),
      record.value("hypothesis", ""), score("score"), logs.empty() ? "(nothing)\n" : logs, categories);
  return side_call(agent, target,
                   {"taxonomy", record.value("id", 0), 1 << 21, 0.0,
                    "You classify why an optimisation experiment failed, from its logs, into a fixed taxonomy.",
                    std::move(prompt), 256});
}

void apply_classification(nlohmann::json& record, const std::string& agent, const std::string& reply) {
  std::string category = reply_field(reply, "category");
  std::transform(category.begin(), category.end(), category.begin(),
                 [](unsigned char c) { return c == ' ' || c == '-' ? '_' : static_cast<char>(std::tolower(c)); });
  if (std::find(k_agent_categories.begin(), k_agent_categories.end(), category) == k_agent_categories.end())
    category = "unexplained";
  record["failure"] = {{"category", category},
                       {"by", agent},
                       {"rule", rule_category(record)},
                       {"reason", reply_field(reply, "reason").substr(0, 500)}};
}

Result<double> classify_failure(const Target& target, const ExperimentPlan& plan, nlohmann::json& record,
                                const cache::LocalStore& store, const ClassifierHooks& hooks) {
  auto call = classification_call(target, record, failure_logs(plan, record, store));
  if (!call)
    return 0.0;
  auto done = run_call(*call, store, hooks,
                       fmt::format("{}: failure of #{} not classified", target.name, record.value("id", 0)));
  if (!done)
    return std::unexpected(done.error());
  if (done->reply)
    apply_classification(record, target.taxonomy->agent.name, *done->reply);
  return done->cost_usd();
}

}  // namespace anneal::graph
