#include "graph/agent_checks.h"

#include <fmt/format.h>

#include "graph/experiment_plan.h"
#include "llm/model_capabilities.h"

namespace anneal::graph {

namespace {

void check_api_agent(const Agent& agent, std::vector<Diagnostic>& out) {
  if (agent.kind != AgentKind::Api || !agent.api.temperature)
    return;
  const ApiSettings& api = agent.api;
  double t = *api.temperature;
  llm::TemperatureRange range =
      llm::temperature_range(api.provider == "anthropic" ? llm::Provider::anthropic : llm::Provider::openai);
  if (t < range.min || t > range.max) {
    out.push_back({api.temperature_loc, fmt::format("temperature {:g} is outside {}'s range ({:g} to {:g})", t,
                                                    api.provider, range.min, range.max)});
    return;
  }
  if (sends_temperature(api))
    return;
  if (api.temperature_supported)
    out.push_back({api.temperature_loc, fmt::format("agent '{}' sets a temperature and temperature_supported: "
                                                    "false; remove one of them",
                                                    agent.name)});
  else
    out.push_back({api.temperature_loc,
                   fmt::format("model '{}' accepts only its default temperature: remove 'temperature' (or set "
                               "temperature_supported: true if this endpoint takes one)",
                               api.model)});
}

}  // namespace

std::vector<Diagnostic> check_agent_settings(const Annealfile& file) {
  std::vector<Diagnostic> out;
  for (const auto& [name, agent] : file.agents)
    check_api_agent(agent, out);
  for (const Target& target : file.targets) {
    check_api_agent(target.agent, out);
    if (target.judge) {
      check_api_agent(target.judge->agent, out);
      if (target.judge->generate && target.judge->generate->agent)
        check_api_agent(*target.judge->generate->agent, out);
    }
  }
  return out;  // a named agent used twice is reported once: format_diagnostics drops duplicates
}

}  // namespace anneal::graph
