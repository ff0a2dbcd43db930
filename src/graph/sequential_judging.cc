#include "graph/sequential_judging.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "cache/digest.h"
#include "graph/judge_plan.h"
#include "nodes/judge_decision.h"
#include "nodes/node.h"

namespace anneal::graph {

namespace {

constexpr std::string_view k_order_salt = "anneal-judging-order-v1";

std::string order_key(const std::string& name) { return cache::digest_of(name, k_order_salt).hex(); }

/// One draft's judge nodes, in the order judged, and how many have been given to `run`.
struct DraftJudging {
  size_t entry = 0;               ///< its index in the decide node's candidates
  std::vector<std::string> keys;  ///< hex
  size_t judged = 0;
  bool going = true;
};

/// What a judge result says per criterion, or nothing when it has no usable judgement.
std::optional<std::vector<double>> passed_of(const nodes::NodeResult& result, size_t criteria) {
  const nlohmann::json& j = result.judgement;
  if (!result.ok() || !j.is_object() || !j.contains("criteria") || j.at("criteria").size() != criteria)
    return std::nullopt;
  std::vector<double> passed;
  for (const auto& c : j.at("criteria"))
    passed.push_back(c.value("passed", 0.0));
  return passed;
}

}  // namespace

bool judges_in_batches(const Target& target, const ExperimentPlan& plan, const JudgeSamples* samples) {
  // A strategy's structure (population, tree, archive) decides without the paired test.
  bool structured = plan.decide.json.contains("reference") && plan.decide.json.at("reference").is_object();
  return plan.id > 0 && target.judge && samples && target.judge->test.sequential && !structured &&
         target.objective.metric.starts_with("judge") && samples->samples.size() >= nodes::k_min_wilcoxon_pairs;
}

std::vector<JudgeSample> judging_order(const std::vector<JudgeSample>& samples) {
  std::vector<std::pair<std::string, const JudgeSample*>> keyed;
  for (const auto& s : samples)
    keyed.emplace_back(order_key(s.name), &s);
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<JudgeSample> out;
  for (const auto& [key, sample] : keyed)
    out.push_back(*sample);
  return out;
}

Result<nlohmann::json> judge_in_batches(ExperimentPlan& plan, const Target& target, const SearchPosition& position,
                                        const JudgeSamples& samples, const cache::LocalStore& store,
                                        const std::function<Result<void>(const std::vector<PlannedNode>&)>& run) {
  nlohmann::json decide = plan.decide.json;
  nlohmann::json& settings = decide.at("judge");
  settings["test"]["samples"] = samples.samples.size();
  const size_t batch = static_cast<size_t>(std::max(1, target.judge->test.batch));
  const size_t criteria = settings.at("criteria").size();
  nodes::Direction direction =
      target.objective.direction == Direction::Minimize ? nodes::Direction::Minimize : nodes::Direction::Maximize;

  std::map<std::string, size_t> rank;
  {
    std::vector<JudgeSample> order = judging_order(samples.samples);
    for (size_t i = 0; i < order.size(); ++i)
      rank[order[i].name] = i;
  }
  std::map<std::string, size_t> node_of;
  for (size_t i = 0; i < plan.nodes.size(); ++i)
    node_of[plan.nodes[i].spec.key.hex()] = i;
  auto sample_of = [&](const std::string& key) {
    return plan.nodes.at(node_of.at(key)).spec.json.at("sample").value("name", "");
  };

  std::vector<DraftJudging> drafts;
  std::set<std::string> judge_keys;
  const nlohmann::json& candidates = decide.at("candidates");
  for (size_t c = 0; c < candidates.size(); ++c) {
    if (!candidates[c].contains("judge"))
      continue;
    DraftJudging d;
    d.entry = c;
    for (const auto& key : candidates[c].at("judge")) {
      if (!node_of.contains(key.get<std::string>()))
        return fail(fmt::format("{}#{}: judge node {} is not in the plan", target.name, plan.id, key.get<std::string>()));
      d.keys.push_back(key.get<std::string>());
    }
    std::stable_sort(d.keys.begin(), d.keys.end(), [&](const std::string& a, const std::string& b) {
      return rank.at(sample_of(a)) < rank.at(sample_of(b));
    });
    judge_keys.insert(d.keys.begin(), d.keys.end());
    drafts.push_back(std::move(d));
  }

  nlohmann::json incumbent = position.incumbent_samples.is_object() ? position.incumbent_samples
                                                                     : nlohmann::json::object();
  std::set<std::string> asked;                          // samples the incumbent is judged on now
  std::vector<std::pair<std::string, cache::Digest>> pending;  // ... whose results are not read yet
  const std::string where = fmt::format("{}#{} (incumbent)", target.name, plan.id);

  std::vector<PlannedNode> nodes;
  for (const auto& node : plan.nodes)
    if (!judge_keys.contains(node.spec.key.hex()))
      nodes.push_back(node);
  while (true) {
    std::vector<JudgeSample> missing;
    std::vector<PlannedNode> judging;
    for (auto& d : drafts) {
      if (!d.going)
        continue;
      size_t end = std::min(d.keys.size(), d.judged + batch);
      for (; d.judged < end; ++d.judged) {
        const PlannedNode& node = plan.nodes.at(node_of.at(d.keys[d.judged]));
        judging.push_back(node);
        std::string name = node.spec.json.at("sample").value("name", "");
        if (!incumbent.contains(name) && asked.insert(name).second)
          missing.push_back({name, node.spec.json.at("sample").value("text", "")});
      }
    }
    std::map<std::string, cache::Digest> incumbent_node;
    if (!missing.empty())
      for (auto& node : plan_judge_nodes(target, {{"commit", position.incumbent}}, {}, "samples", missing, where)) {
        std::string name = node.spec.json.at("sample").value("name", "");
        pending.emplace_back(name, node.spec.key);
        incumbent_node.emplace(name, node.spec.key);
        nodes.push_back(std::move(node));
      }
    // A candidate that answers as the incumbent does asks the judge the same questions: on
    // the same sample it waits for the incumbent's node, and its calls are cache hits.
    for (auto& node : judging) {
      auto it = incumbent_node.find(node.spec.json.at("sample").value("name", ""));
      if (it != incumbent_node.end())
        node.inputs.push_back(it->second);
      nodes.push_back(std::move(node));
    }
    if (nodes.empty())
      break;
    if (auto ran = run(nodes); !ran)
      return std::unexpected(ran.error());
    nodes.clear();
    for (const auto& [name, key] : pending)
      if (auto result = nodes::cached_result(store, key))
        if (auto passed = passed_of(*result, criteria))
          incumbent[name] = *passed;
    pending.clear();

    for (auto& d : drafts) {
      if (!d.going)
        continue;
      std::vector<nodes::NodeResult> results;
      for (size_t i = 0; i < d.judged && d.going; ++i) {
        auto key = cache::Digest::from_hex(d.keys[i]);
        auto result = key ? nodes::cached_result(store, *key) : std::nullopt;
        // A draft whose checks failed (its judge nodes were skipped), or whose judging failed
        // or did not finish, is decided on what it has.
        if (!result || !passed_of(*result, criteria))
          d.going = false;
        else
          results.push_back(std::move(*result));
      }
      if (!d.going || d.judged == d.keys.size()) {
        d.going = false;
        continue;
      }
      auto scores = nodes::judge_scores(results, settings);
      if (!scores)
        return std::unexpected(scores.error());
      auto verdict = nodes::sequential_verdict(*scores, incumbent, settings, direction,
                                               target.objective.min_improvement, position.acceptance);
      if (!verdict)
        return std::unexpected(verdict.error());
      d.going = verdict->stop == stats::SequentialStop::Continue;
    }
  }

  for (const auto& d : drafts)
    decide["candidates"][d.entry]["judge"] = std::vector<std::string>(d.keys.begin(), d.keys.begin() + d.judged);
  decide["incumbent_samples"] = incumbent;
  decide.erase("v");
  plan.decide = nodes::make_spec(std::move(decide));
  return incumbent;
}

}  // namespace anneal::graph
