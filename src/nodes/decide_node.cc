#include "nodes/decide_node.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "nodes/judge_decision.h"
#include "nodes/search.h"
#include "nodes/strategy_decision.h"

namespace anneal::nodes {

namespace {

/// One draft as the decision sees it.
struct DraftOutcome {
  int draft = 0;
  std::string outcome;  ///< "ok" (survived) or the ledger's failure outcome
  std::optional<double> score;
  nlohmann::json scores = nlohmann::json::object();
  std::string commit, hypothesis, detail;
  nlohmann::json violations = nlohmann::json::array();
  double duration_s = 0, cost_usd = 0;
  std::optional<JudgeScores> judged;
  /// The first of its nodes that could not do its work, if any: the draft has no outcome yet.
  std::optional<std::string> unfinished;
};

/// The node's result, or its unfinished attempt (noted in `d`).
Result<NodeResult> lookup(NodeContext& context, const std::string& key_hex, DraftOutcome& d) {
  auto key = cache::Digest::from_hex(key_hex);
  auto result = key ? latest_result(*context.store, *key) : std::nullopt;
  if (!result)
    return fail(fmt::format("node {} has no result in the cache", key_hex));
  if (result->unfinished && !d.unfinished && result->outcome != Outcome::Skipped)
    d.unfinished = result->detail;
  return *result;
}

/// The ledger outcome of a failed gate or stage.
std::string failure_outcome(Outcome outcome) {
  return outcome == Outcome::Crashed ? "crashed" : "rejected";
}

/// Reads the candidate's judge results into `d` (scores, gates) when its checks passed.
Result<void> assess_judge(NodeContext& context, const nlohmann::json& keys, const nlohmann::json& settings,
                          DraftOutcome& d) {
  std::vector<NodeResult> results;
  for (const auto& key : keys) {
    auto r = lookup(context, key.get<std::string>(), d);
    if (!r)
      return std::unexpected(r.error());
    d.duration_s += r->duration_s;
    d.cost_usd += r->cost_usd;
    if (d.outcome != "ok" || r->outcome == Outcome::Skipped)
      continue;
    if (!r->ok()) {
      d.outcome = failure_outcome(r->outcome);
      d.detail = r->detail;
      continue;
    }
    results.push_back(std::move(*r));
  }
  if (d.outcome != "ok")
    return {};
  auto scores = judge_scores(results, settings);
  if (!scores)
    return std::unexpected(scores.error());
  d.scores["judge"] = scores->score;
  for (size_t i = 0; i < scores->criterion_rates.size(); ++i)
    d.scores[settings.at("criteria").at(i).value("label", "")] = scores->criterion_rates[i];
  if (std::string failed = judge_gate_failure(*scores, settings); !failed.empty()) {
    d.outcome = "rejected";
    d.detail = failed;
  }
  d.judged = std::move(*scores);
  return {};
}

Result<DraftOutcome> assess(NodeContext& context, const nlohmann::json& entry, const std::string& metric,
                            const nlohmann::json& judge) {
  DraftOutcome d;
  d.draft = entry.value("draft", 0);
  d.outcome = "ok";
  const auto& ref = entry.at("candidate");
  if (ref.contains("commit")) {
    d.commit = ref.at("commit").get<std::string>();
  } else {
    auto mutation = lookup(context, ref.at("mutate").get<std::string>(), d);
    if (!mutation)
      return std::unexpected(mutation.error());
    d.duration_s += mutation->duration_s;
    d.cost_usd += mutation->cost_usd;
    d.hypothesis = mutation->hypothesis;
    d.commit = mutation->commit;
    for (const auto& v : mutation->violations)
      d.violations.push_back({{"path", v.path}, {"reason", v.reason}});
    if (!mutation->ok()) {
      d.outcome = mutation->outcome == Outcome::Blocked     ? "blocked"
                  : mutation->outcome == Outcome::Unchanged ? "unchanged"
                                                            : "crashed";
      d.detail = mutation->detail;
      return d;
    }
  }
  if (entry.contains("duplicate")) {
    // Measured before: its result is the earlier candidate's, and nothing ran again.
    const nlohmann::json& earlier = entry.at("duplicate");
    d.outcome = "duplicate";
    if (earlier.value("score", nlohmann::json()).is_number())
      d.score = earlier.at("score").get<double>();
    d.scores = earlier.value("scores", nlohmann::json::object());
    std::string outcome = earlier.value("outcome", nlohmann::json()).is_string() ? earlier.at("outcome").get<std::string>() : "";
    d.detail = fmt::format("the same tree as #{}{}{}: not evaluated again", earlier.value("experiment", 0),
                           earlier.value("draft", 0) > 0 || outcome.empty() ? fmt::format(".{}", earlier.value("draft", 0)) : "",
                           outcome.empty() ? ""
                           : d.score       ? fmt::format(" ({}, score {:g})", outcome, *d.score)
                                           : fmt::format(" ({})", outcome));
    return d;
  }
  auto check = [&](const std::string& key_hex, const std::string* stage) -> Result<bool> {
    auto r = lookup(context, key_hex, d);
    if (!r)
      return std::unexpected(r.error());
    d.duration_s += r->duration_s;
    d.cost_usd += r->cost_usd;
    if (stage && r->score)
      d.scores[*stage] = *r->score;
    if (r->outcome == Outcome::Skipped || r->ok())
      return true;
    if (d.outcome == "ok") {
      d.outcome = failure_outcome(r->outcome);
      d.detail = r->detail;
    }
    return false;
  };
  for (const auto& key : entry.value("gates", std::vector<std::string>{}))
    if (auto c = check(key, nullptr); !c)
      return std::unexpected(c.error());
  if (entry.contains("stages"))
    for (const auto& [name, key] : entry.at("stages").items())
      if (auto c = check(key.get<std::string>(), &name); !c)
        return std::unexpected(c.error());
  if (entry.contains("judge"))
    if (auto judged = assess_judge(context, entry.at("judge"), judge, d); !judged)
      return std::unexpected(judged.error());
  if (d.outcome == "ok" && d.judged && metric.starts_with("judge")) {
    d.score = judged_metric(*d.judged, judge);
  } else if (d.outcome == "ok") {
    if (d.scores.contains(metric))
      d.score = d.scores.at(metric).get<double>();
    else {
      d.outcome = "crashed";
      d.detail = fmt::format("stage {} gave no score", metric);
    }
  }
  return d;
}

/// The value of `metric` for a candidate that survived: a stage's score, or the judge's
/// score or one criterion's pass rate; nullopt when it has none.
std::optional<double> metric_value(const DraftOutcome& d, const std::string& metric, const nlohmann::json& judge) {
  if (d.scores.contains(metric) && d.scores.at(metric).is_number())
    return d.scores.at(metric).get<double>();
  if (d.judged && metric.starts_with("judge")) {
    nlohmann::json settings = judge;
    settings["metric"] = metric;
    return judged_metric(*d.judged, settings);
  }
  return std::nullopt;
}

/// The values of `metrics` (a list of names, or of {"metric": NAME}) for `d`; null where missing.
nlohmann::json metric_values(const DraftOutcome& d, const nlohmann::json& metrics, const nlohmann::json& judge) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : metrics) {
    auto v = metric_value(d, m.is_string() ? m.get<std::string>() : m.value("metric", ""), judge);
    out.push_back(v ? nlohmann::json(*v) : nlohmann::json(nullptr));
  }
  return out;
}

/// `d` as the strategies see it: fitness oriented larger-is-better.
StrategyCandidate strategy_candidate(const DraftOutcome& d, int experiment, Direction direction,
                                     const nlohmann::json& objectives, const nlohmann::json& behaviour,
                                     const nlohmann::json& judge) {
  StrategyCandidate c;
  c.id = experiment;
  c.draft = d.draft;
  c.commit = d.commit;
  c.fitness = direction == Direction::Maximize ? *d.score : -*d.score;
  nlohmann::json values = metric_values(d, objectives, judge);
  for (size_t i = 0; i < values.size(); ++i) {
    if (!values[i].is_number()) {
      c.point.clear();
      break;
    }
    double v = values[i].get<double>();
    c.point.push_back(objectives[i].value("direction", "maximize") == "minimize" ? -v : v);
  }
  for (const auto& v : metric_values(d, behaviour, judge))
    c.behaviour.push_back(v.is_number() ? v.get<double>() : NAN);
  return c;
}

}  // namespace

Result<NodeResult> execute_decide(NodeContext& context, const NodeSpec& spec) {
  const auto& j = spec.json;
  std::string metric = j.at("metric").get<std::string>();
  bool baseline = j.value("baseline", false);
  Direction direction = j.at("direction") == "minimize" ? Direction::Minimize : Direction::Maximize;
  auto config = SearchConfig::from_json(j.at("search"), direction, j.value("min_improvement", 0.0), 0);
  if (!config)
    return std::unexpected(config.error());
  auto state = SearchState::from_json(j.at("state"));
  if (!state)
    return std::unexpected(state.error());
  const nlohmann::json judge = j.value("judge", nlohmann::json());
  bool judged_objective = judge.is_object() && metric.starts_with("judge");

  std::vector<DraftOutcome> drafts;
  for (const auto& entry : j.at("candidates")) {
    auto d = assess(context, entry, metric, judge);
    if (!d)
      return std::unexpected(d.error());
    drafts.push_back(std::move(*d));
  }
  if (drafts.empty())
    return fail("decide node without candidates");

  const DraftOutcome* best = nullptr;
  double duration = 0, cost = 0;
  for (const auto& d : drafts) {
    duration += d.duration_s;
    cost += d.cost_usd;
    if (d.outcome == "ok" && (!best || better(config->direction, *d.score, *best->score)))
      best = &d;
  }
  const nlohmann::json reference = j.value("reference", nlohmann::json());
  const nlohmann::json objectives = j.value("objectives", nlohmann::json::array());
  const nlohmann::json behaviour = j.value("behaviour", nlohmann::json::array());
  const int experiment = j.at("experiment").get<int>();
  std::optional<StrategyVerdict> verdict;
  if (!baseline && best && reference.is_object()) {
    // The strategy's structure decides: the best draft it keeps, else the best by score.
    std::vector<const DraftOutcome*> order;
    for (const auto& d : drafts)
      if (d.outcome == "ok")
        order.push_back(&d);
    std::stable_sort(order.begin(), order.end(), [&](const DraftOutcome* a, const DraftOutcome* b) {
      return better(config->direction, *a->score, *b->score);
    });
    for (const DraftOutcome* d : order) {
      auto v = strategy_verdict(reference, strategy_candidate(*d, experiment, config->direction, objectives, behaviour, judge),
                                config->min_improvement, config->direction == Direction::Minimize);
      if (!v)
        return std::unexpected(v.error());
      if (v->accept || !verdict) {
        verdict = *v;
        best = d;
      }
      if (v->accept)
        break;
    }
  }
  // A draft that could not be evaluated leaves the experiment undecided: it runs again, and
  // the drafts that did finish are cache hits then.
  const DraftOutcome* unfinished = nullptr;
  for (const auto& d : drafts)
    if (d.unfinished && !unfinished)
      unfinished = &d;
  if (unfinished)
    best = nullptr;
  const DraftOutcome& chosen = unfinished ? *unfinished : best ? *best : drafts.front();
  nlohmann::json decision = {{"draft", chosen.draft},
                             {"score", chosen.score ? nlohmann::json(*chosen.score) : nlohmann::json(nullptr)},
                             {"scores", chosen.scores},
                             {"commit", chosen.commit.empty() ? nlohmann::json(nullptr) : nlohmann::json(chosen.commit)},
                             {"hypothesis", chosen.hypothesis},
                             {"violations", chosen.violations},
                             {"detail", unfinished ? *unfinished->unfinished : chosen.detail},
                             {"duration_s", duration},
                             {"cost_usd", cost}};
  if (drafts.size() > 1) {
    // Every draft's fate, so the agent hears about the edits that failed and the losers too.
    nlohmann::json all = nlohmann::json::array();
    for (const auto& d : drafts)
      all.push_back({{"draft", d.draft},
                     {"outcome", d.outcome == "ok" ? "survived" : d.outcome},
                     {"score", d.score ? nlohmann::json(*d.score) : nlohmann::json(nullptr)},
                     {"hypothesis", d.hypothesis},
                     {"detail", d.detail}});
    decision["drafts"] = std::move(all);
  }
  if (chosen.judged)
    decision["judge"] = chosen.judged->to_json(judge);
  if (!objectives.empty())
    decision["objectives"] = metric_values(chosen, objectives, judge);
  if (!behaviour.empty())
    decision["behaviour"] = metric_values(chosen, behaviour, judge);
  SearchState next = *state;
  if (unfinished) {
    decision["outcome"] = "crashed";
    decision["unfinished"] = true;
    decision["accept"] = false;
    decision["reason"] = fmt::format("draft {} did not finish: {}", unfinished->draft,
                                     unfinished->unfinished->substr(0, unfinished->unfinished->find('\n')));
    decision["probability"] = 0.0;
  } else if (baseline) {
    decision["outcome"] = best ? "baseline" : chosen.outcome;
    decision["accept"] = best != nullptr;
    decision["reason"] = best ? "baseline measured" : "the baseline failed: " + chosen.detail;
    decision["probability"] = 1.0;
  } else if (best && verdict) {
    // Given the best fitness (population, tree), the step follows new bests: the structure's
    // entries stay frequent long after the search has stopped improving. Otherwise (pareto,
    // elites) what the structure keeps is the progress the step follows.
    const auto& best_fitness = reference.value("best_fitness", nlohmann::json());
    double fitness = config->direction == Direction::Maximize ? *best->score : -*best->score;
    bool improved = best_fitness.is_number() ? fitness > best_fitness.get<double>() : verdict->accept;
    next = record_outcome(*config, *state, improved);
    decision["outcome"] = verdict->accept ? "kept" : "discarded";
    decision["accept"] = verdict->accept;
    decision["reason"] = fmt::format("{}: {}", reference.value("strategy", ""), verdict->reason);
    decision["probability"] = verdict->accept ? 1.0 : 0.0;
  } else if (best && judged_objective) {
    // A judged score is a sample of a noisy judge: only a paired test over the samples,
    // corrected for the many comparisons of a long run, may replace the incumbent.
    auto compared = compare_judged(*best->judged, j.value("incumbent_samples", nlohmann::json()), judge,
                                   config->direction, config->min_improvement,
                                   j.value("acceptance", nlohmann::json::object()));
    if (!compared)
      return std::unexpected(compared.error());
    if (compared->accept) {
      Decision d = decide(*config, *state, j.at("incumbent_score").get<double>(), *best->score,
                          j.at("experiment").get<uint64_t>());
      next = d.next;
    } else {
      next = record_failure(*config, *state);
    }
    decision["outcome"] = compared->accept ? "kept" : "discarded";
    decision["accept"] = compared->accept;
    decision["reason"] = compared->reason;
    decision["probability"] = compared->accept ? 1.0 : 0.0;
    decision["judge"]["test"] = compared->test;
    decision["acceptance"] = compared->acceptance;
  } else if (best) {
    double incumbent = j.at("incumbent_score").get<double>();
    Decision d = decide(*config, *state, incumbent, *best->score, j.at("experiment").get<uint64_t>());
    next = d.next;
    decision["outcome"] = d.accept ? "kept" : "discarded";
    decision["accept"] = d.accept;
    decision["reason"] = d.reason;
    decision["probability"] = d.probability;
  } else {
    next = record_failure(*config, *state);
    decision["outcome"] = chosen.outcome;
    decision["accept"] = false;
    decision["reason"] = chosen.detail;
    decision["probability"] = 0.0;
  }
  decision["state"] = next.to_json();
  NodeResult result;
  result.decision = std::move(decision);
  result.unfinished = unfinished != nullptr;
  result.duration_s = duration;
  result.cost_usd = cost;
  return result;
}

}  // namespace anneal::nodes
