#include "graph/judge_plan.h"

#include <fmt/format.h>

#include "graph/containment.h"
#include "nodes/judge_decision.h"
#include "stats/acceptance_rule.h"

namespace anneal::graph {

namespace {

/// An api agent's call fields, with its own seed when it sets one.
nlohmann::json call_fields(const Agent& agent, const std::string& target) {
  nlohmann::json j = llm_fields(agent, target);
  j["seed"] = agent.api.seed ? nlohmann::json(*agent.api.seed) : nlohmann::json(nullptr);
  return j;
}

}  // namespace

std::string criterion_label(const Judge& judge, size_t index) {
  const Criterion& c = judge.criteria.at(index);
  return c.name.empty() ? fmt::format("judge.{}", index + 1) : "judge." + c.name;
}

std::vector<PlannedNode> plan_judge_nodes(const Target& target, const nlohmann::json& candidate,
                                          const std::vector<cache::Digest>& after, const std::string& set,
                                          const std::vector<JudgeSample>& samples, const std::string& where) {
  const Judge& judge = *target.judge;
  nlohmann::json criteria = nlohmann::json::array();
  for (const auto& c : judge.criteria)
    criteria.push_back(c.question);
  nlohmann::json generate = nullptr;
  if (judge.generate) {
    if (judge.generate->agent)
      generate = {{"llm", call_fields(*judge.generate->agent, target.name)}};
    else {
      generate = {{"run", judge.generate->run}, {"timeout", judge.generate->timeout_s}};
      add_containment_fields(generate, judge.generate->containment);
    }
  }
  nlohmann::json after_hex = nlohmann::json::array();
  for (const auto& key : after)
    after_hex.push_back(key.hex());
  std::vector<PlannedNode> nodes;
  for (const auto& sample : samples) {
    auto spec = nodes::make_spec({{"kind", "judge"},
                                  {"target", target.name},
                                  {"candidate", candidate},
                                  {"after", after_hex},
                                  {"artifact", target.artifact},
                                  {"set", set},
                                  {"sample", {{"name", sample.name}, {"text", sample.text}}},
                                  {"criteria", criteria},
                                  {"votes", judge.votes},
                                  {"method", judge.method},
                                  {"judge", call_fields(judge.agent, target.name)},
                                  {"generate", generate}});
    nodes.push_back({spec, after, false, fmt::format("judge {} {} on {}", set == "held_out" ? "held-out" : "sample", where, sample.name),
                     "llm_" + judge.agent.api.provider, judge.agent.api.max_concurrent});
  }
  return nodes;
}

std::string judge_power_warning(const Target& target, size_t samples) {
  if (!target.judge || !target.objective.metric.starts_with("judge") || samples < nodes::k_min_wilcoxon_pairs)
    return "";
  const JudgeTest& test = target.judge->test;
  double level = test.alpha / test.window;
  auto needed = stats::min_wilcoxon_pairs(level);
  if (!needed || samples >= static_cast<size_t>(*needed))
    return "";
  return fmt::format("{}: warning: with {} samples the judge's Wilcoxon test can never reach the level "
                     "{:.3g} = alpha {:g} / window {} (that takes at least {} samples that score differently), "
                     "so no candidate can be kept; add samples or lower judge.test.window",
                     target.name, samples, level, test.alpha, test.window, *needed);
}

nlohmann::json judge_decide_fields(const Target& target) {
  const Judge& judge = *target.judge;
  nlohmann::json criteria = nlohmann::json::array();
  for (size_t i = 0; i < judge.criteria.size(); ++i)
    criteria.push_back({{"label", criterion_label(judge, i)},
                        {"question", judge.criteria[i].question},
                        {"keep_if", condition_spec(judge.criteria[i].keep_if)}});
  auto objective = judge.criterion_of(target.objective.metric);
  nlohmann::json fields = {{"criteria", criteria},
          {"keep_if", condition_spec(judge.keep_if)},
          {"objective", objective ? nlohmann::json(*objective) : nlohmann::json(nullptr)},
          {"test", {{"alpha", judge.test.alpha},
                    {"window", judge.test.window},
                    {"zero_method", judge.test.zero_method},
                    {"correction", judge.test.correction},
                    {"min_effect", judge.test.min_effect}}}};
  // Only when on, so that the keys of the decide nodes of fixed-n targets (sequential: false)
  // stay as they were.
  if (judge.test.sequential) {
    fields["test"]["sequential"] = true;
    fields["test"]["batch"] = judge.test.batch;
    fields["test"]["early_stop"] = judge.test.early_stop;
  }
  return fields;
}

}  // namespace anneal::graph
