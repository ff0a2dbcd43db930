#include "graph/llm_budget.h"

#include <algorithm>

#include <fmt/format.h>

#include "graph/agent_prompt.h"
#include "llm/api_key.h"
#include "llm/spend_log.h"
#include "nodes/llm_node.h"
#include "nodes/node.h"

namespace anneal::graph {

CostEstimate estimate_calls(const std::vector<PlannedNode>& nodes, const cache::LocalStore& store,
                            const llm::PriceTable& prices, bool fresh) {
  CostEstimate estimate;
  for (const auto& node : nodes) {
    const auto& j = node.spec.json;
    if (j.value("kind", "") != "llm" || (!fresh && nodes::cached_result(store, node.spec.key)))
      continue;
    ++estimate.calls;
    auto price = nodes::llm_price(j, prices);
    if (!price) {
      std::string model = j.value("model", "");
      if (std::find(estimate.unpriced.begin(), estimate.unpriced.end(), model) == estimate.unpriced.end())
        estimate.unpriced.push_back(model);
      continue;
    }
    size_t prompt = estimate_tokens(j.value("system", "")) + estimate_tokens(j.value("prompt", ""));
    estimate.usd += llm::cost_usd(*price, static_cast<int64_t>(prompt), j.value("max_tokens", 4096));
  }
  return estimate;
}

Result<Spend> target_spend(const Workspace& workspace, const std::string& target) {
  llm::SpendLog log(workspace.spend_path(target));
  auto today = log.spent_on();
  if (!today)
    return std::unexpected(today.error());
  auto total = log.spent_total();
  if (!total)
    return std::unexpected(total.error());
  return Spend{*today, *total};
}

Result<std::string> budget_stop(const Target& target, const CostEstimate& estimate, Workspace& workspace) {
  const Budget& budget = target.budget;
  // A command agent that reports its cost (cost_field) cannot be priced beforehand: it is
  // stopped once the day's spend has reached the limit.
  bool reports_cost = target.agent.kind == AgentKind::Command && !target.agent.cost_field.empty();
  if ((estimate.calls == 0 && !reports_cost) || (!budget.usd_per_experiment && !budget.usd_per_day))
    return std::string();
  if (!estimate.unpriced.empty())
    return fail(fmt::format("target '{}' has a budget in USD but no price is known for model '{}': add it to "
                            "pricing.yaml in the user's config directory or set `pricing` on the agent",
                            target.name, estimate.unpriced.front()));
  if (budget.usd_per_experiment && estimate.usd > *budget.usd_per_experiment)
    return fmt::format("the next experiment's {} LLM call(s) could cost up to ${:.4f}, more than "
                       "budget.usd_per_experiment (${:.4f}); raise it or lower max_tokens, drafts or "
                       "the prompt's size",
                       estimate.calls, estimate.usd, *budget.usd_per_experiment);
  if (budget.usd_per_day) {
    auto spend = target_spend(workspace, target.name);
    if (!spend)
      return std::unexpected(spend.error());
    if (spend->today + estimate.usd > *budget.usd_per_day || (reports_cost && spend->today >= *budget.usd_per_day))
      return fmt::format("daily budget reached: spent ${:.4f} of budget.usd_per_day (${:.4f}) today ({}), and "
                         "the next call(s) could cost up to ${:.4f}; the target resumes tomorrow",
                         spend->today, *budget.usd_per_day, llm::local_day(), estimate.usd);
  }
  return std::string();
}

Result<void> check_api_key(const Target& target) {
  if (target.agent.kind != AgentKind::Api)
    return {};
  auto request = nodes::llm_request(
      [&] {
        auto j = llm_fields(target.agent, target.name);
        j["prompt"] = "";
        return j;
      }());
  auto key = llm::read_api_key(request, target.agent.api.api_key_env);
  if (!key)
    return fail(fmt::format("target '{}', agent '{}': {}", target.name, target.agent.name, key.error().message));
  return {};
}

}  // namespace anneal::graph
