#include "graph/containment.h"

#include <set>

#include <fmt/format.h>

#include "graph/notify.h"

namespace anneal::graph {

namespace {

/// Every containment of a target's commands, with what names it in messages.
std::vector<std::pair<const Containment*, std::string>> containments(const Target& target) {
  std::vector<std::pair<const Containment*, std::string>> out;
  if (target.agent.kind == AgentKind::Command)
    out.emplace_back(&target.agent.containment, fmt::format("agent '{}'", target.agent.name));
  for (const auto& gate : target.verify)
    out.emplace_back(&gate.containment, fmt::format("gate '{}'", gate.name));
  for (const auto& stage : target.stages)
    out.emplace_back(&stage.containment, fmt::format("stage '{}'", stage.name));
  if (target.judge && target.judge->generate && !target.judge->generate->agent)
    out.emplace_back(&target.judge->generate->containment, "judge.generate");
  return out;
}

}  // namespace

void add_containment_fields(nlohmann::json& spec, const Containment& c) {
  if (c.sandbox != Containment::Sandbox::Auto)
    spec["sandbox"] = c.sandbox == Containment::Sandbox::On ? "on" : "off";
  if (!c.network)
    spec["network"] = false;
  if (!c.writable.empty())
    spec["writable"] = c.writable;
  if (!c.pass_env.empty())
    spec["pass_env"] = c.pass_env;
}

Result<void> check_sandbox(const Annealfile& file, const std::vector<const Target*>& targets,
                           const proc::SandboxProbe& probe, const std::function<void(const std::string&)>& warn) {
  if (probe.available)
    return {};
  std::vector<std::string> errors;
  bool unsandboxed = false;
  for (const Target* target : targets) {
    for (const auto& [c, what] : containments(*target)) {
      if (c->sandbox == Containment::Sandbox::On)
        errors.push_back(fmt::format("{}:{}:{}: error: target '{}': {} says `sandbox: on`, but bubblewrap "
                                     "does not work here: {}",
                                     file.path.string(), c->sandbox_loc.line, c->sandbox_loc.column,
                                     target->name, what, probe.reason));
      else if (c->sandbox == Containment::Sandbox::Auto)
        unsandboxed = true;
    }
  }
  if (!errors.empty()) {
    std::string message;
    for (const auto& e : errors)
      message += (message.empty() ? "" : "\n") + e;
    return fail(message);
  }
  if (unsandboxed)
    warn(fmt::format("bubblewrap does not work here ({}): commands run without a sandbox, with only the "
                     "git-state guard and orphan killing between them and your files",
                     probe.reason));
  return {};
}

std::vector<std::string> declared_secret_variables(const Annealfile& file) {
  std::set<std::string> names;
  auto add_agent = [&](const Agent& agent) {
    if (agent.kind == AgentKind::Api && !agent.api.api_key_env.empty())
      names.insert(agent.api.api_key_env);
  };
  for (const auto& [name, agent] : file.agents) add_agent(agent);
  for (const Target& target : file.targets) {
    add_agent(target.agent);
    if (target.judge) {
      add_agent(target.judge->agent);
      if (target.judge->generate && target.judge->generate->agent)
        add_agent(*target.judge->generate->agent);
    }
  }
  if (!file.cache.token_env.empty())
    names.insert(file.cache.token_env);
  for (const std::string& name : notify_url_variables(file))
    names.insert(name);
  return {names.begin(), names.end()};
}

}  // namespace anneal::graph
