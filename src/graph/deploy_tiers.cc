#include "graph/deploy_tiers.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

namespace anneal::graph {

namespace {

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

std::vector<DeployTier> read_deploy_tiers(const YAML::Node& root, const YamlPath& path,
                                          std::vector<Diagnostic>& errors) {
  std::vector<DeployTier> tiers;
  YAML::Node list = node_at(root, path);
  if (!list.IsSequence())
    return tiers;
  std::map<std::string, SourceLoc> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    YamlPath at = path;
    at.emplace_back(i);
    auto field = [&](const char* name) {
      YamlPath p = at;
      p.emplace_back(std::string(name));
      return p;
    };
    const YAML::Node item = list[i];
    DeployTier tier;
    tier.loc = locate(root, at);
    tier.name = item["name"] ? item["name"].Scalar() : "";
    tier.run = item["run"] ? item["run"].Scalar() : "";
    tier.approve = item["approve"] && item["approve"].Scalar() == "true";
    if (item["pass_env"] && item["pass_env"].IsSequence())
      for (const YAML::Node& name : item["pass_env"])
        tier.pass_env.push_back(name.Scalar());
    bool ok = true;
    if (!valid_name(tier.name)) {
      errors.push_back({locate(root, field("name")),
                        fmt::format("a deploy tier's name is letters, digits, '-', '_' and '.' (it is what "
                                    "`anneal approve --tier NAME` takes), not '{}'",
                                    tier.name)});
      ok = false;
    } else if (auto first = seen.find(tier.name); first != seen.end()) {
      errors.push_back({locate(root, field("name")),
                        fmt::format("deploy tier '{}' is named twice (first at line {}); tier names are unique "
                                    "within a target",
                                    tier.name, first->second.line)});
      ok = false;
    } else {
      seen.emplace(tier.name, locate(root, field("name")));
    }
    if (tier.run.find_first_not_of(" \t\r\n") == std::string::npos) {
      errors.push_back({locate(root, field("run")),
                        fmt::format("deploy tier '{}' has an empty `run:`: give the command that deploys the "
                                    "candidate (it runs in a worktree of the candidate)",
                                    tier.name)});
      ok = false;
    }
    if (item["timeout"]) {
      auto seconds = parse_duration(item["timeout"].Scalar());
      if (!seconds || *seconds <= 0) {
        errors.push_back({locate(root, field("timeout")),
                          fmt::format("invalid duration '{}' for 'timeout': write seconds, or a number with s, m "
                                      "or h (90, 90s, 2m, 1.5h)",
                                      item["timeout"].Scalar())});
        ok = false;
      } else {
        tier.timeout_s = *seconds;
      }
    }
    if (ok)
      tiers.push_back(std::move(tier));
  }
  return tiers;
}

}  // namespace anneal::graph
