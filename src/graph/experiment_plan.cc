#include "graph/experiment_plan.h"
#include "util/json_text.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "graph/agent_prompt.h"
#include "graph/containment.h"
#include "graph/draft_count.h"
#include "graph/judge_plan.h"
#include "graph/search_memory.h"
#include "llm/api_key.h"
#include "llm/model_capabilities.h"
#include "nodes/search.h"
#include "util/random.h"

namespace anneal::graph {

namespace {

constexpr std::string_view k_config_salt = "anneal-target-config-v1";

std::string direction_name(Direction d) { return d == Direction::Minimize ? "minimize" : "maximize"; }

Result<nlohmann::json> agent_spec(const Agent& agent) {
  switch (agent.kind) {
    case AgentKind::Command: {
      nlohmann::json j = {{"kind", "command"}, {"run", agent.run}, {"timeout", agent.timeout_s}};
      if (!agent.cost_field.empty())
        j["cost_field"] = agent.cost_field;
      add_containment_fields(j, agent.containment);
      return j;
    }
    case AgentKind::Tune: {
      nlohmann::json params = nlohmann::json::array();
      for (const auto& p : agent.params)
        params.push_back({{"file", p.file}, {"pattern", p.pattern}, {"min", p.min}, {"max", p.max},
                          {"integer", p.integer}});
      return nlohmann::json{{"kind", "tune"}, {"params", params}};
    }
    case AgentKind::Api:
      return nlohmann::json{{"kind", "api"}, {"whole_file_max_bytes", agent.api.whole_file_max_bytes}};
  }
  return fail(fmt::format("agent '{}': unknown kind", agent.name));
}

/// Stages in an order where each comes after the stages it needs.
std::vector<const Stage*> stage_order(const Target& target) {
  std::map<std::string, const Stage*> by_name;
  for (const auto& s : target.stages)
    by_name[s.name] = &s;
  std::vector<const Stage*> order;
  std::set<std::string> done;
  std::function<void(const Stage&)> visit = [&](const Stage& s) {
    if (!done.insert(s.name).second)
      return;
    if (s.needs)
      for (const auto& n : *s.needs)
        if (auto it = by_name.find(n); it != by_name.end())
          visit(*it->second);
    order.push_back(&s);
  };
  for (const auto& s : target.stages)
    visit(s);
  return order;
}

/// Whether a stage's number is one the search uses: an objective or an archive axis.
bool scored_stage(const Target& target, const std::string& stage) {
  for (const auto& o : target.objectives)
    if (o.metric == stage)
      return true;
  for (const auto& d : target.search.archive)
    if (d.metric == stage)
      return true;
  return stage == target.objective.metric;
}

/// Adds the gates and stages of one candidate to `plan`; returns its decide entry.
nlohmann::json plan_evaluation(const Target& target, ExperimentPlan& plan, const nlohmann::json& candidate,
                               const std::optional<cache::Digest>& mutation, int draft,
                               const JudgeSamples* samples) {
  std::string where = fmt::format("{}#{}.{}", target.name, plan.id, draft);
  std::vector<cache::Digest> base_inputs;
  if (mutation)
    base_inputs.push_back(*mutation);
  nlohmann::json gates = nlohmann::json::array();
  std::vector<cache::Digest> gate_keys;
  for (const auto& gate : target.verify) {
    nlohmann::json fields = {{"kind", "verify"},
                             {"target", target.name},
                             {"name", gate.name},
                             {"run", gate.run},
                             {"timeout", gate.timeout_s},
                             {"candidate", candidate}};
    add_containment_fields(fields, gate.containment);
    auto spec = nodes::make_spec(std::move(fields));
    gates.push_back(spec.key.hex());
    gate_keys.push_back(spec.key);
    plan.nodes.push_back({spec, base_inputs, false, fmt::format("verify {} {}", gate.name, where), "", 0});
  }
  std::map<std::string, cache::Digest> stage_keys;
  nlohmann::json stages = nlohmann::json::object();
  // Stages keep their listed order (cheap first) unless they name what they need.
  std::map<std::string, size_t> listed;
  for (size_t i = 0; i < target.stages.size(); ++i)
    listed[target.stages[i].name] = i;
  for (const Stage* stage : stage_order(target)) {
    std::vector<cache::Digest> after = gate_keys;
    if (stage->needs) {
      for (const auto& n : *stage->needs)
        after.push_back(stage_keys.at(n));
    } else if (size_t i = listed.at(stage->name); i > 0) {
      after.push_back(stage_keys.at(target.stages[i - 1].name));
    }
    nlohmann::json after_hex = nlohmann::json::array();
    for (const auto& k : after)
      after_hex.push_back(k.hex());
    nlohmann::json fields = {{"kind", "stage"},
                             {"target", target.name},
                             {"name", stage->name},
                             {"run", stage->run},
                             {"parse", stage->parse},
                             {"repeat", stage->repeat},
                             {"timeout", stage->timeout_s},
                             {"scored", scored_stage(target, stage->name) || stage->keep_if.has_value()},
                             {"keep_if", condition_spec(stage->keep_if)},
                             {"candidate", candidate},
                             {"after", after_hex}};
    add_containment_fields(fields, stage->containment);
    auto spec = nodes::make_spec(std::move(fields));
    stage_keys.emplace(stage->name, spec.key);
    stages[stage->name] = spec.key.hex();
    std::vector<cache::Digest> inputs = base_inputs;
    inputs.insert(inputs.end(), after.begin(), after.end());
    plan.nodes.push_back({spec, inputs, stage->exclusive, fmt::format("stage {} {}", stage->name, where), "", 0});
  }
  nlohmann::json entry = {{"draft", draft}, {"candidate", candidate}, {"gates", gates}, {"stages", stages}};
  if (target.judge && samples) {
    // The judge is the expensive evaluation: it waits for every gate and stage.
    std::vector<cache::Digest> after = gate_keys;
    for (const Stage* stage : stage_order(target))
      after.push_back(stage_keys.at(stage->name));
    nlohmann::json judged = nlohmann::json::array();
    for (auto& node : plan_judge_nodes(target, candidate, after, "samples", samples->samples, where)) {
      judged.push_back(node.spec.key.hex());
      plan.calls.push_back(node.spec.key);
      if (mutation)
        node.inputs.push_back(*mutation);
      plan.nodes.push_back(std::move(node));
    }
    entry["judge"] = std::move(judged);
  }
  return entry;
}

nlohmann::json decide_fields(const Target& target, int id, const SearchPosition& position) {
  nlohmann::json j = {{"kind", "decide"},
          {"target", target.name},
          {"experiment", id},
          {"baseline", id == 0},
          {"metric", target.objective.metric},
          {"direction", direction_name(target.objective.direction)},
          {"min_improvement", target.objective.min_improvement},
          {"search", target.search.config.is_null() ? nlohmann::json::object() : target.search.config},
          {"state", position.search},
          {"incumbent_score", position.incumbent_score ? nlohmann::json(*position.incumbent_score)
                                                       : nlohmann::json(nullptr)}};
  if (target.objectives.size() > 1) {
    nlohmann::json objectives = nlohmann::json::array();
    for (const auto& o : target.objectives)
      objectives.push_back({{"metric", o.metric}, {"direction", direction_name(o.direction)}});
    j["objectives"] = std::move(objectives);
  }
  if (auto axes = archive_axes(target); !axes.empty() && target.search.strategy != "greedy" &&
                                        target.search.strategy != "annealing") {
    nlohmann::json behaviour = nlohmann::json::array();
    for (const auto& axis : axes)
      behaviour.push_back(axis.name);
    j["behaviour"] = std::move(behaviour);
  }
  if (target.judge) {
    j["judge"] = judge_decide_fields(target);
    j["incumbent_samples"] = position.incumbent_samples;
    j["acceptance"] = position.acceptance;
  }
  return j;
}

}  // namespace

nlohmann::json condition_spec(const std::optional<Condition>& condition) {
  if (!condition)
    return nullptr;
  std::string_view op = "?";
  switch (condition->op) {
    case Condition::Op::Less: op = "<"; break;
    case Condition::Op::LessEqual: op = "<="; break;
    case Condition::Op::Greater: op = ">"; break;
    case Condition::Op::GreaterEqual: op = ">="; break;
    case Condition::Op::Equal: op = "=="; break;
    case Condition::Op::NotEqual: op = "!="; break;
  }
  return {{"op", op}, {"value", condition->value}};
}

nlohmann::json SearchPosition::to_json() const {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json j = {{"baseline", baseline},
          {"incumbent", incumbent},
          {"incumbent_score", opt(incumbent_score)},
          {"best", best},
          {"best_score", opt(best_score)},
          {"baseline_score", opt(baseline_score)},
          {"search", search},
          {"consecutive_failures", consecutive_failures},
          {"spent_usd", spent_usd},
          {"incumbent_samples", incumbent_samples},
          {"acceptance", acceptance},
          {"kept_since_held_out", kept_since_held_out},
          {"held_out_gap", opt(held_out_gap)},
          {"planned", planned},
          {"unfinished", unfinished}};
  if (!draft_survival.empty())  // absent otherwise: the records of fixed drafts stay as they were
    j["draft_survival"] = draft_survival;
  return j;
}

void SearchPosition::count_attempt(int id, bool did_finish) {
  planned = std::max(planned, id);
  auto it = std::find(unfinished.begin(), unfinished.end(), id);
  if (did_finish && it != unfinished.end())
    unfinished.erase(it);
  else if (!did_finish && it == unfinished.end())
    unfinished.insert(std::upper_bound(unfinished.begin(), unfinished.end(), id), id);
}

SearchPosition SearchPosition::from_json(const nlohmann::json& j) {
  auto opt = [&](const char* name) -> std::optional<double> {
    if (!j.contains(name) || j.at(name).is_null())
      return std::nullopt;
    return j.at(name).get<double>();
  };
  SearchPosition p;
  p.baseline = j.value("baseline", "");
  p.incumbent = j.value("incumbent", "");
  p.incumbent_score = opt("incumbent_score");
  p.best = j.value("best", "");
  p.best_score = opt("best_score");
  p.baseline_score = opt("baseline_score");
  p.search = j.value("search", nlohmann::json::object());
  p.consecutive_failures = j.value("consecutive_failures", 0);
  p.spent_usd = j.value("spent_usd", 0.0);
  p.incumbent_samples = j.value("incumbent_samples", nlohmann::json());
  p.acceptance = j.value("acceptance", nlohmann::json::object());
  p.kept_since_held_out = j.value("kept_since_held_out", 0);
  p.held_out_gap = opt("held_out_gap");
  p.planned = j.value("planned", 0);  // absent before attempts: recorded_position() fills it
  p.unfinished = j.value("unfinished", std::vector<int>{});
  p.draft_survival = j.value("draft_survival", std::vector<std::pair<int, int>>{});
  return p;
}

cache::Digest config_digest(const Target& target, const std::vector<std::string>& upstream_commits,
                            const std::string& samples_digest) {
  nlohmann::json j = {{"target", target.config},
                      {"upstream", upstream_commits},
                      {"spec", nodes::k_spec_version}};
  if (!samples_digest.empty())
    j["samples"] = samples_digest;
  return cache::digest_of(dump_json(j), k_config_salt);
}

nlohmann::json config_parts(const Target& target, const std::vector<std::string>& upstream_commits,
                            const std::string& samples_digest) {
  auto short_digest = [](const nlohmann::json& part) {
    return cache::digest_of(dump_json(part), k_config_salt).hex().substr(0, 16);
  };
  nlohmann::json parts = nlohmann::json::object();
  if (target.config.is_object())
    for (const auto& [key, value] : target.config.items())
      parts[key] = short_digest(value);
  parts["upstream"] = short_digest(upstream_commits);
  if (!samples_digest.empty())
    parts["samples"] = samples_digest.substr(0, 16);
  return parts;
}

uint64_t draft_seed(uint64_t seed, int experiment, int draft) {
  // 31 bits: agents get it as ANNEAL_SEED, and shells and most tools take such seeds whole.
  uint64_t mixed = mix_seed(mix_seed(seed, static_cast<uint64_t>(experiment)), static_cast<uint64_t>(draft));
  return mixed & 0x7fffffffu;
}

nodes::NodeSpec decide_against(const Target& target, const ExperimentPlan& plan, const SearchPosition& position,
                               const nlohmann::json& reference) {
  nlohmann::json decide = decide_fields(target, plan.id, position);
  if (!reference.is_null())
    decide["reference"] = reference;
  decide["candidates"] = plan.decide.json.at("candidates");
  return nodes::make_spec(std::move(decide));
}

Result<ExperimentPlan> plan_baseline(const Target& target, const std::string& baseline,
                                     const JudgeSamples* samples) {
  if (target.judge && !samples)
    return fail(fmt::format("target '{}': the judge's samples were not read", target.name));
  ExperimentPlan plan;
  plan.id = 0;
  nlohmann::json decide = decide_fields(target, 0, SearchPosition{});
  decide["candidates"] = nlohmann::json::array(
      {plan_evaluation(target, plan, {{"commit", baseline}}, std::nullopt, 0, samples)});
  plan.decide = nodes::make_spec(std::move(decide));
  return plan;
}

bool draft_restarts(const Target& target, int id, int draft, const SearchPosition& position) {
  // With annealing the chance decays with the temperature: restarts help early, when the
  // search still explores, and would only throw away progress once it converges.
  double chance = target.restart_probability;
  if (chance <= 0 || position.baseline.empty() || position.baseline == position.incumbent)
    return false;
  if (target.search.strategy == "annealing") {
    auto config = nodes::SearchConfig::from_json(target.search.config, nodes::Direction::Maximize, 0, 0);
    auto state = nodes::SearchState::from_json(position.search);
    if (config && state)
      chance *= state->step_scale(*config);
  }
  Rng rng(mix_seed(draft_seed(target.search.seed, id, draft), 0x7265737461727421));  // "restart!"
  return rng.uniform() < chance;
}

std::vector<DraftStart> draft_starts(const Target& target, int id, const SearchPosition& position) {
  std::vector<DraftStart> starts;
  const int drafts = draft_count(target, position);
  for (int draft = 0; draft < drafts; ++draft) {
    bool restart = draft_restarts(target, id, draft, position);
    starts.push_back({restart ? position.baseline : position.incumbent, restart, "", "", ""});
  }
  return starts;
}

namespace {

llm::Provider provider_of(const ApiSettings& api) {
  return api.provider == "anthropic" ? llm::Provider::anthropic : llm::Provider::openai;
}

}  // namespace

double draft_temperature(const ApiSettings& api, int draft, int drafts) {
  double base = api.temperature.value_or(llm::k_default_temperature);
  if (drafts <= 1)
    return base;
  // The spread is cut to the provider's range and the drafts spread over what is left, so
  // no two drafts share a temperature because they hit the same bound.
  llm::TemperatureRange range = llm::temperature_range(provider_of(api));
  double lo = std::clamp(base * (1.0 - api.temperature_spread), range.min, range.max);
  double hi = std::clamp(base * (1.0 + api.temperature_spread), range.min, range.max);
  double t = lo + (hi - lo) * draft / (drafts - 1);
  // Rounded, so the request (and the cache key) says 0.4 rather than 0.40000000000000002.
  return std::clamp(std::round(t * 1e4) / 1e4, range.min, range.max);
}

bool sends_temperature(const ApiSettings& api) {
  return api.temperature_supported.value_or(llm::accepts_temperature(provider_of(api), api.model));
}

nlohmann::json call_temperature(const ApiSettings& api, double wanted) {
  return sends_temperature(api) ? nlohmann::json(wanted) : nlohmann::json(nullptr);
}

std::string llm_pool(const ApiSettings& api) { return "llm_" + api.provider; }

nlohmann::json llm_fields(const Agent& agent, const std::string& target) {
  const ApiSettings& api = agent.api;
  llm::Request request;
  request.provider = api.provider == "anthropic" ? llm::Provider::anthropic : llm::Provider::openai;
  request.base_url = api.base_url;
  nlohmann::json j = {{"kind", "llm"},
                      {"target", target},
                      {"provider", api.provider},
                      {"model", api.model},
                      {"base_url", llm::effective_base_url(request)},
                      {"api_key_env", api.api_key_env.empty()
                                          ? std::string(llm::default_key_env(request.provider))
                                          : api.api_key_env},
                      {"temperature", api.temperature ? call_temperature(api, *api.temperature) : nlohmann::json(nullptr)},
                      {"max_tokens", api.max_tokens},
                      {"timeout", agent.timeout_s},
                      {"retries", api.retries},
                      {"pricing", api.pricing ? nlohmann::json{{"input", api.pricing->input},
                                                               {"output", api.pricing->output}}
                                              : nlohmann::json(nullptr)}};
  return j;
}

Result<ExperimentPlan> plan_experiment(const Target& target, int id, const SearchPosition& position,
                                       const std::string& prompt, const JudgeSamples* samples) {
  auto starts = draft_starts(target, id, position);
  return plan_experiment(
      target, id, position, starts, [&](const DraftStart&) -> Result<std::string> { return prompt; }, samples);
}

Result<ExperimentPlan> plan_experiment(const Target& target, int id, const SearchPosition& position,
                                       const std::vector<DraftStart>& starts, const PromptFor& prompt_for,
                                       const JudgeSamples* samples, const nlohmann::json& reference,
                                       const nlohmann::json* agent_override, const nlohmann::json& tune_tried) {
  if (target.judge && !samples)
    return fail(fmt::format("target '{}': the judge's samples were not read", target.name));
  ExperimentPlan plan;
  plan.id = id;
  plan.starts = starts;
  auto agent = agent_override ? Result<nlohmann::json>(*agent_override) : agent_spec(target.agent);
  if (!agent)
    return std::unexpected(agent.error());
  nlohmann::json scope = {{"editable", target.scope.editable}, {"immutable", target.scope.immutable}};
  if (!target.scope.hidden.empty())  // absent otherwise: the keys of earlier specs stay the same
    scope["hidden"] = target.scope.hidden;
  nlohmann::json decide = decide_fields(target, id, position);
  if (!reference.is_null())
    decide["reference"] = reference;
  nlohmann::json candidates = nlohmann::json::array();
  auto config = nodes::SearchConfig::from_json(
      decide.at("search"),
      target.objective.direction == Direction::Minimize ? nodes::Direction::Minimize : nodes::Direction::Maximize,
      target.objective.min_improvement, 0);
  if (!config)
    return std::unexpected(config.error());
  auto state = nodes::SearchState::from_json(position.search);
  if (!state)
    return std::unexpected(state.error());
  double step_scale = state->step_scale(*config);
  const int drafts = agent_override ? 1 : static_cast<int>(starts.size());
  if (agent_override)
    plan.starts.resize(1);
  for (int draft = 0; draft < drafts; ++draft) {
    const DraftStart& start = starts.at(draft);
    uint64_t seed = draft_seed(target.search.seed, id, draft);
    nlohmann::json mutate = {{"kind", "mutate"},
                             {"target", target.name},
                             {"experiment", id},
                             {"draft", draft},
                             {"parent", start.parent},
                             {"seed", seed},
                             {"agent", *agent},
                             {"scope", scope}};
    std::vector<cache::Digest> inputs;
    std::string where = fmt::format("{}#{}.{}", target.name, id, draft);
    size_t first_node = plan.nodes.size();
    if (agent_override) {
      // Its change is given: nothing to ask.
    } else if (target.agent.kind == AgentKind::Tune) {
      mutate["step_scale"] = step_scale;
      if (!tune_tried.is_null())
        mutate["tried"] = tune_tried;
    } else {
      auto prompt = prompt_for(start);
      if (!prompt)
        return std::unexpected(prompt.error());
      if (target.agent.kind == AgentKind::Command) {
        mutate["prompt"] = *prompt;
      } else {
        nlohmann::json call = llm_fields(target.agent, target.name);
        call["purpose"] = "mutate";
        call["experiment"] = id;
        call["draft"] = draft;
        call["seed"] = target.agent.api.seed ? *target.agent.api.seed : static_cast<int64_t>(seed);
        call["temperature"] = call_temperature(target.agent.api, draft_temperature(target.agent.api, draft, drafts));
        call["system"] = std::string(k_edit_reply_contract);
        call["prompt"] = *prompt;
        auto spec = nodes::make_spec(std::move(call));
        plan.nodes.push_back({spec, {}, false, fmt::format("llm {}", where), llm_pool(target.agent.api),
                              target.agent.api.max_concurrent});
        plan.calls.push_back(spec.key);
        mutate["reply"] = spec.key.hex();
        inputs.push_back(spec.key);
      }
    }
    if (start.restart)
      mutate["restart"] = true;
    if (!start.second_parent.empty())
      mutate["second_parent"] = start.second_parent;
    auto spec = nodes::make_spec(std::move(mutate));
    plan.nodes.push_back({spec, inputs, false, fmt::format("mutate {}{}", where, start.restart ? " (restart)" : ""), "", 0});
    plan.mutations.push_back(spec.key);
    std::vector<size_t> mutation_nodes(plan.nodes.size() - first_node);
    std::iota(mutation_nodes.begin(), mutation_nodes.end(), first_node);
    size_t first_evaluation = plan.nodes.size();
    candidates.push_back(
        plan_evaluation(target, plan, {{"mutate", spec.key.hex()}, {"slot", draft}}, spec.key, draft, samples));
    std::vector<size_t> evaluation_nodes(plan.nodes.size() - first_evaluation);
    std::iota(evaluation_nodes.begin(), evaluation_nodes.end(), first_evaluation);
    plan.mutation_nodes.push_back(std::move(mutation_nodes));
    plan.evaluation_nodes.push_back(std::move(evaluation_nodes));
  }
  decide["candidates"] = std::move(candidates);
  plan.decide = nodes::make_spec(std::move(decide));
  return plan;
}

}  // namespace anneal::graph
