#include "graph/failed_node.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "graph/node_death.h"
#include "nodes/node.h"
#include "proc/signal_name.h"

namespace anneal::graph {

namespace {

/// The node keys of one candidate entry of a decide spec, in the order they ran.
std::vector<std::string> candidate_nodes(Workspace& workspace, const nlohmann::json& entry) {
  std::vector<std::string> keys;
  const nlohmann::json candidate = entry.value("candidate", nlohmann::json::object());
  if (candidate.contains("mutate") && candidate.at("mutate").is_string()) {
    std::string mutate = candidate.at("mutate").get<std::string>();
    if (auto digest = cache::Digest::from_hex(mutate))
      if (auto spec = workspace.load_spec(*digest); spec && spec->json.contains("reply"))
        keys.push_back(spec->json.at("reply").get<std::string>());
    keys.push_back(mutate);
  }
  for (const auto& gate : entry.value("gates", nlohmann::json::array()))
    if (gate.is_string())
      keys.push_back(gate.get<std::string>());
  const nlohmann::json stages = entry.value("stages", nlohmann::json::object());  // items() needs it alive
  for (const auto& [name, key] : stages.items())
    if (key.is_string())
      keys.push_back(key.get<std::string>());
  for (const auto& key : entry.value("judge", nlohmann::json::array()))
    if (key.is_string())
      keys.push_back(key.get<std::string>());
  return keys;
}

}  // namespace

std::string failed_node_key(Workspace& workspace, const nlohmann::json& record) {
  std::string experiment = record.value("key", "");
  auto digest = cache::Digest::from_hex(experiment);
  if (!digest)
    return experiment;
  auto spec = workspace.load_spec(*digest);
  if (!spec)
    return experiment;
  // A crashed node first; else one that failed (a gate, a stage); else one that left no
  // result (stages are listed by name, not in the order they run, so a stage after a failed
  // one that never ran must not win over the failure).
  std::optional<std::string> not_ok, missing;
  for (const auto& entry : spec->json.value("candidates", nlohmann::json::array())) {
    for (const std::string& key : candidate_nodes(workspace, entry)) {
      auto node = cache::Digest::from_hex(key);
      if (!node)
        continue;
      auto result = nodes::latest_result(workspace.store(), *node, cache::Lookup::LocalOnly);
      if (result && result->outcome == nodes::Outcome::Crashed)
        return key;
      if (!result && !missing)
        missing = key;
      if (result && !result->ok() && !not_ok)
        not_ok = key;
    }
  }
  return not_ok ? *not_ok : missing.value_or(experiment);
}

std::string show_failure_command(Workspace& workspace, const nlohmann::json& record) {
  std::string key = failed_node_key(workspace, record);
  return key.empty() ? std::string() : "anneal show " + key.substr(0, 16);
}

std::string signal_failure(Workspace& workspace, const nlohmann::json& record) {
  auto key = cache::Digest::from_hex(failed_node_key(workspace, record));
  if (!key)
    return "";
  auto result = nodes::latest_result(workspace.store(), *key, cache::Lookup::LocalOnly);
  if (!result)
    return "";
  // Every node says how its command ended with proc::RunResult::describe(): "killed by signal N".
  std::string reason = result->detail.substr(0, result->detail.find('\n'));
  constexpr std::string_view k_killed = "killed by signal ";
  size_t at = reason.find(k_killed);
  if (at == std::string::npos)
    return "";
  size_t digits = at + k_killed.size();
  int signal = 0;
  auto [end, ec] = std::from_chars(reason.data() + digits, reason.data() + reason.size(), signal);
  if (ec != std::errc() || signal <= 0)
    return "";
  size_t after = static_cast<size_t>(end - reason.data());
  bool named = reason.compare(after, 2, " (") == 0;
  return named ? reason : reason.substr(0, at) + "killed by " + proc::signal_text(signal) + reason.substr(after);
}

std::string explain_node_failures(Workspace& workspace, const std::vector<PlannedNode>& ran,
                                  const std::string& ninja_failure) {
  // Only the edges ninja says failed in this run: a note can be left from an earlier one.
  std::vector<std::string_view> failed;
  for (size_t pos = 0; pos < ninja_failure.size();) {
    size_t end = std::min(ninja_failure.find('\n', pos), ninja_failure.size());
    std::string_view line(ninja_failure.data() + pos, end - pos);
    if (line.starts_with("FAILED: "))
      failed.push_back(line);
    pos = end + 1;
  }
  std::string lines;
  for (const auto& node : ran) {
    std::string hex = node.spec.key.hex();
    if (std::none_of(failed.begin(), failed.end(), [&](std::string_view f) { return f.find(hex) != f.npos; }))
      continue;
    if (nodes::cached_result(workspace.store(), node.spec.key, cache::Lookup::LocalOnly))
      continue;
    auto death = node_death(workspace, node.spec.key);
    if (!death)
      continue;
    std::string key = node.spec.key.hex().substr(0, 16);
    lines += fmt::format("{}node {} ({}) was killed by {}; its log: anneal show {}", lines.empty() ? "" : "\n", key,
                         node.description, proc::signal_text(death->signal), key);
  }
  return lines.empty() ? ninja_failure : lines;
}

Result<void> check_consecutive_failures(Workspace& workspace, const Target& target, int consecutive,
                                        const nlohmann::json& record) {
  int limit = target.budget.max_consecutive_failures;
  if (limit <= 0 || consecutive < limit)
    return {};
  return fail(fmt::format("{}: halted after {} consecutive failed experiments (budget.max_consecutive_failures is "
                          "{}); the last was {}: {} (log: {})",
                          target.name, consecutive, limit, record.value("outcome", ""), record.value("detail", ""),
                          show_failure_command(workspace, record)));
}

}  // namespace anneal::graph
