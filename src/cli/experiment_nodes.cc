#include "cli/experiment_nodes.h"

#include <algorithm>
#include <utility>

#include "nodes/node.h"

namespace anneal::cli {

std::vector<ExperimentNode> experiment_nodes(Project& project, const nlohmann::json& record) {
  std::vector<ExperimentNode> out;
  auto key = cache::Digest::from_hex(record.value("key", ""));
  if (!key)
    return out;
  auto spec = project.workspace.load_spec(*key);
  if (!spec)
    return out;
  const nlohmann::json cached = record.value("cached", nlohmann::json());
  for (const auto& c : spec->json.value("candidates", nlohmann::json::array())) {
    std::vector<std::pair<std::string, std::string>> keys;
    if (c.at("candidate").contains("mutate")) {
      std::string mutate = c.at("candidate").at("mutate").get<std::string>();
      // An api agent's mutation applies the reply of an llm node: list the call first.
      if (auto mk = cache::Digest::from_hex(mutate))
        if (auto ms = project.workspace.load_spec(*mk); ms && ms->json.contains("reply"))
          keys.push_back({"llm", ms->json.at("reply").get<std::string>()});
      keys.push_back({"mutate", mutate});
    }
    for (const auto& g : c.value("gates", nlohmann::json::array()))
      keys.push_back({"verify", g.get<std::string>()});
    const nlohmann::json stages = c.value("stages", nlohmann::json::object());
    for (const auto& [name, k] : stages.items())
      keys.push_back({"stage " + name, k.get<std::string>()});
    for (const auto& k : c.value("judge", nlohmann::json::array()))
      keys.push_back({"judge", k.get<std::string>()});
    for (auto& [what, k] : keys) {
      auto digest = cache::Digest::from_hex(k);
      std::optional<bool> hit;
      if (cached.is_array())
        hit = std::find(cached.begin(), cached.end(), k) != cached.end();
      out.push_back({k, c.value("draft", 0), std::move(what),
                     digest ? nodes::latest_result(project.workspace.store(), *digest) : std::nullopt, hit});
    }
  }
  return out;
}

}  // namespace anneal::cli
