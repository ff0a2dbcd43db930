#include "graph/notify_rules.h"

#include <fmt/format.h>

namespace anneal::graph {

namespace {

std::vector<std::string> strings(const YAML::Node& node) {
  std::vector<std::string> out;
  if (!node.IsDefined())
    return out;
  if (node.IsScalar())
    out.push_back(node.Scalar());
  else if (node.IsSequence())
    for (const YAML::Node& item : node)
      out.push_back(item.Scalar());
  return out;
}

}  // namespace

std::vector<NotifyRule> read_notify_rules(const YAML::Node& root, const YamlPath& path,
                                          std::vector<Diagnostic>& errors) {
  std::vector<NotifyRule> rules;
  YAML::Node list = node_at(root, path);
  if (!list.IsSequence())
    return rules;
  for (size_t i = 0; i < list.size(); ++i) {
    YamlPath at = path;
    at.emplace_back(i);
    const YAML::Node item = list[i];
    NotifyRule rule;
    rule.loc = locate(root, at);
    rule.on = strings(item["on"]);
    if (item["run"])
      rule.run = item["run"].Scalar();
    if (item["url"])
      rule.url = item["url"].Scalar();
    rule.pass_env = strings(item["pass_env"]);
    if (rule.run.empty() == rule.url.empty()) {
      errors.push_back({rule.loc, "a notify rule has either `run:` (a command given the event as JSON on stdin) "
                                  "or `url:` (where the event is POSTed), not both or neither"});
      continue;
    }
    if (!rule.url.empty() && !rule.url.starts_with('$') && !rule.url.starts_with("http://") &&
        !rule.url.starts_with("https://")) {
      YamlPath url = at;
      url.emplace_back("url");
      errors.push_back({locate(root, url), fmt::format("a notify url is http:// or https:// (or $VARIABLE holding "
                                                       "one), not '{}'",
                                                       rule.url.substr(0, rule.url.find(':')))});
      continue;
    }
    // A webhook gets 10s for all its attempts; a command 30s.
    rule.timeout_s = rule.url.empty() ? 30 : 10;
    if (item["timeout"]) {
      YamlPath timeout = at;
      timeout.emplace_back("timeout");
      auto seconds = parse_duration(item["timeout"].Scalar());
      if (!seconds || *seconds <= 0)
        errors.push_back({locate(root, timeout), fmt::format("invalid duration '{}' for 'timeout': write seconds, "
                                                             "or a number with s, m or h (90, 90s, 2m, 1.5h)",
                                                             item["timeout"].Scalar())});
      else
        rule.timeout_s = *seconds;
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

}  // namespace anneal::graph
