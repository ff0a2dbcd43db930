#include "graph/failed_node.h"

#include <optional>
#include <vector>

#include "nodes/node.h"

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

}  // namespace anneal::graph
