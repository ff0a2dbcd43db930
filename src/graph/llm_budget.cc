#include "graph/llm_budget.h"

#include <algorithm>

#include <fmt/format.h>

#include "graph/agent_prompt.h"
#include "llm/api_key.h"
#include "llm/spend_log.h"
#include "nodes/llm_node.h"
#include "nodes/node.h"

namespace anneal::graph {

namespace {

/// A judge node's calls are made up as it runs, from the candidate's content: what the
/// estimate assumes the artifact (or the generated output's input) takes, in tokens.
constexpr size_t k_judged_content_tokens = 4000;

/// Adds `calls` calls of the llm fields `j` with `prompt_tokens` each to the estimate.
void add_calls(CostEstimate& estimate, const nlohmann::json& j, size_t prompt_tokens, int calls,
               const llm::PriceTable& prices) {
  estimate.calls += calls;
  nlohmann::json call = j;
  call["prompt"] = "";  // a judge's fields have none: its prompts are made as it runs
  auto price = nodes::llm_price(call, prices);
  if (!price) {
    std::string model = j.value("model", "");
    if (std::find(estimate.unpriced.begin(), estimate.unpriced.end(), model) == estimate.unpriced.end())
      estimate.unpriced.push_back(model);
    return;
  }
  estimate.usd += calls * llm::cost_usd(*price, static_cast<int64_t>(prompt_tokens), j.value("max_tokens", 4096));
}

}  // namespace

CostEstimate estimate_calls(const std::vector<PlannedNode>& nodes, const cache::LocalStore& store,
                            const llm::PriceTable& prices, bool fresh) {
  CostEstimate estimate;
  for (const auto& node : nodes) {
    const auto& j = node.spec.json;
    std::string kind = j.value("kind", "");
    if ((kind != "llm" && kind != "judge") || (!fresh && nodes::cached_result(store, node.spec.key)))
      continue;
    if (kind == "llm") {
      add_calls(estimate, j, estimate_tokens(j.value("system", "")) + estimate_tokens(j.value("prompt", "")), 1,
                prices);
      continue;
    }
    // A judge node: an optional generation, then every vote (Bradley-Terry may stop early).
    size_t sample = estimate_tokens(j.at("sample").value("text", ""));
    size_t judged = k_judged_content_tokens;
    const nlohmann::json& generate = j.value("generate", nlohmann::json());
    if (generate.is_object() && generate.contains("llm")) {
      add_calls(estimate, generate.at("llm"), sample + k_judged_content_tokens, 1, prices);
      judged = static_cast<size_t>(generate.at("llm").value("max_tokens", 4096));
    }
    add_calls(estimate, j.at("judge"), sample + judged + estimate_tokens(j.at("criteria").dump()) + 200,
              j.value("votes", 1), prices);
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
  std::vector<std::pair<const Agent*, std::string_view>> agents;  // with their role
  if (target.agent.kind == AgentKind::Api)
    agents.emplace_back(&target.agent, "agent");
  if (target.judge) {
    agents.emplace_back(&target.judge->agent, "judge agent");
    if (target.judge->generate && target.judge->generate->agent)
      agents.emplace_back(&*target.judge->generate->agent, "judge's generate agent");
  }
  for (const auto& [agent, role] : agents) {
    auto j = llm_fields(*agent, target.name);
    j["prompt"] = "";
    auto key = llm::read_api_key(nodes::llm_request(j), agent->api.api_key_env);
    if (!key)
      return fail(fmt::format("target '{}', {} '{}': {}", target.name, role, agent->name, key.error().message));
  }
  return {};
}

}  // namespace anneal::graph
