#include "graph/experiment_record.h"

#include <algorithm>

#include "graph/draft_count.h"
#include "graph/failure_category.h"
#include "graph/ledger.h"
#include "nodes/search.h"
#include "util/clock_text.h"

namespace anneal::graph {

namespace {

std::optional<double> optional_number(const nlohmann::json& j, const char* name) {
  if (!j.contains(name) || j.at(name).is_null())
    return std::nullopt;
  return j.at(name).get<double>();
}

}  // namespace

nlohmann::json experiment_record(const ExperimentOutcome& in, SearchPosition& position) {
  const Target& target = in.target;
  const ExperimentPlan& plan = in.plan;
  const nodes::NodeResult& decided = in.decided;
  const nlohmann::json& d = decided.decision;
  std::string outcome = d.value("outcome", "crashed");
  std::optional<double> score = optional_number(d, "score");
  std::string commit = d.contains("commit") && !d.at("commit").is_null() ? d.at("commit").get<std::string>() : "";
  int chosen_draft = d.value("draft", 0);
  DraftStart start;
  if (plan.id > 0 && chosen_draft >= 0 && static_cast<size_t>(chosen_draft) < plan.starts.size())
    start = plan.starts[static_cast<size_t>(chosen_draft)];
  std::string parent = start.parent.empty() ? position.incumbent : start.parent;
  SearchPosition next = position;
  next.search = d.value("state", nlohmann::json::object());
  // What an earlier attempt's finished nodes cost was counted then; they are hits now.
  next.spent_usd += std::max(0.0, decided.cost_usd - in.counted_cost);
  if (d.contains("acceptance"))
    next.acceptance = d.at("acceptance");
  if (plan.id == 0) {
    next = SearchPosition{};
    next.baseline = in.state.baseline;
    next.incumbent = next.best = in.state.baseline;
    next.incumbent_score = next.best_score = next.baseline_score = score;
    next.search = d.value("state", nlohmann::json::object());
    next.spent_usd = decided.cost_usd;
    if (d.contains("judge"))
      next.incumbent_samples = d.at("judge").value("samples", nlohmann::json());
    parent = "";
  } else if (outcome == "kept") {
    next.incumbent = commit;
    next.incumbent_score = score;
    ++next.kept_since_held_out;
    if (d.contains("judge"))
      next.incumbent_samples = d.at("judge").value("samples", nlohmann::json());
    nodes::Direction direction = target.objective.direction == Direction::Minimize ? nodes::Direction::Minimize
                                                                                     : nodes::Direction::Maximize;
    if (!next.best_score || nodes::better(direction, *score, *next.best_score)) {
      next.best = commit;
      next.best_score = score;
    }
  }
  // Strategies that branch from anywhere keep no incumbent of their own: the best is the
  // reference point (the prompt's "current best", greedy's comparison under auto).
  if (plan.id > 0 && target.search.strategy != "greedy" && target.search.strategy != "annealing") {
    nodes::Direction direction = target.objective.direction == Direction::Minimize ? nodes::Direction::Minimize
                                                                                     : nodes::Direction::Maximize;
    if (outcome == "discarded" && score && (!next.best_score || nodes::better(direction, *score, *next.best_score))) {
      next.best = commit;
      next.best_score = score;
    }
    next.incumbent = next.best;
    next.incumbent_score = next.best_score;
  }
  if (outcome == "crashed" || outcome == "blocked" || outcome == "unchanged" || outcome == "duplicate")
    ++next.consecutive_failures;
  else
    next.consecutive_failures = 0;
  if (plan.id > 0)
    next.count_attempt(plan.id, !decided.unfinished);
  if (plan.id > 0 && !decided.unfinished)
    count_draft_survival(target, d, next);

  nlohmann::json r = {{"v", k_ledger_version},
                      {"id", plan.id},
                      {"attempt", in.attempt},
                      {"key", plan.decide.key.hex()},
                      {"config", in.state.digest.hex()},
                      {"config_parts", in.state.parts},
                      {"baseline", in.state.baseline},
                      {"target", target.name},
                      {"outcome", outcome},
                      {"score", score ? nlohmann::json(*score) : nlohmann::json(nullptr)},
                      {"scores", d.value("scores", nlohmann::json::object())},
                      {"commit", plan.id == 0 ? nlohmann::json(in.state.baseline)
                                 : commit.empty() ? nlohmann::json(nullptr) : nlohmann::json(commit)},
                      {"parent", parent.empty() ? nlohmann::json(nullptr) : nlohmann::json(parent)},
                      {"draft", d.value("draft", 0)},
                      {"hypothesis", d.value("hypothesis", "")},
                      {"violations", d.value("violations", nlohmann::json::array())},
                      {"detail", d.value("detail", "")},
                      {"decision", {{"accept", d.value("accept", false)},
                                    {"reason", d.value("reason", "")},
                                    {"probability", d.value("probability", 0.0)}}},
                      {"cost_usd", decided.cost_usd},
                      {"duration_s", decided.duration_s},
                      {"drafts", d.value("drafts", nlohmann::json::array())},
                      {"time", now_utc_iso()},
                      {"state", next.to_json()}};
  if (d.contains("judge"))
    r["judge"] = d.at("judge");
  if (std::string category = rule_category(r); !category.empty())
    r["failure"] = {{"category", category}, {"by", "rules"}};
  if (decided.unfinished)
    r["unfinished"] = true;
  if (plan.id > 0) {
    r["mutations"] = nlohmann::json::array();
    for (const auto& key : plan.mutations)
      r["mutations"].push_back(key.hex());
    r["strategy"] = start.strategy;
    r["selection"] = start.selection;
    if (start.restart && start.strategy == "population")
      r["immigrant"] = true;  // search_memory.h replays its entry as the decision made it
    if (!start.second_parent.empty())
      r["second_parent"] = start.second_parent;
    if (nlohmann::json count = draft_count_json(target, position, plan.starts.size()); !count.is_null())
      r["draft_count"] = std::move(count);
  }
  for (const char* field : {"objectives", "behaviour"})
    if (d.contains(field))
      r[field] = d.at(field);
  size_t draft_index = plan.id == 0 ? 0 : static_cast<size_t>(std::max(chosen_draft, 0));
  if (draft_index < in.features.size() && !in.features[draft_index].empty() && score)
    r["features"] = in.features[draft_index];
  if (!in.ranking.is_null())
    r["surrogate"] = in.ranking;
  position = next;
  return r;
}

}  // namespace anneal::graph
