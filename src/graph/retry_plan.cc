#include "graph/retry_plan.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace anneal::graph {

SearchPosition recorded_position(const nlohmann::json& record) {
  const nlohmann::json state = record.value("state", nlohmann::json::object());
  SearchPosition position = SearchPosition::from_json(state);
  if (!state.contains("planned"))
    position.planned = record.value("id", 0);
  return position;
}

bool unfinished_record(const nlohmann::json& record) { return record.value("unfinished", false); }

std::vector<nlohmann::json> latest_attempts(const std::vector<nlohmann::json>& generation) {
  std::map<int, nlohmann::json> latest;
  for (const auto& record : generation) {
    int id = record.value("id", 0);
    auto [it, first] = latest.try_emplace(id, record);
    int attempts = first ? 1 : it->second.value("attempts", 1) + 1;
    it->second = record;
    it->second["attempts"] = std::max(attempts, record.value("attempt", 1));
  }
  std::vector<nlohmann::json> out;
  for (auto& [id, record] : latest)
    out.push_back(std::move(record));
  return out;
}

ExperimentQueue::ExperimentQueue(bool baseline_due, const SearchPosition& position,
                                 const std::vector<nlohmann::json>& generation)
    : m_baseline_due(baseline_due) {
  if (baseline_due)
    return;
  for (int id : position.unfinished) {
    Retry retry;
    retry.id = id;
    // Planned from the position recorded just before its first attempt.
    const nlohmann::json* before = nullptr;
    for (const auto& record : generation) {
      if (record.value("id", -1) != id) {
        if (!retry.attempts)
          before = &record;
        continue;
      }
      ++retry.attempts;
      retry.last = record;
    }
    if (!retry.attempts || !before)
      continue;  // not in this generation's records: nothing to plan it from
    retry.attempts = std::max(retry.attempts, retry.last.value("attempt", 1));
    retry.planned_from = recorded_position(*before);
    m_retries.push_back(std::move(retry));
  }
}

std::optional<QueuedExperiment> ExperimentQueue::next(const SearchPosition& now, int budget) {
  if (m_baseline_due) {
    m_baseline_due = false;
    return QueuedExperiment{0, std::nullopt};
  }
  if (now.finished() >= budget)
    return std::nullopt;
  while (m_next_retry < m_retries.size()) {
    const Retry& retry = m_retries[m_next_retry++];
    if (std::find(now.unfinished.begin(), now.unfinished.end(), retry.id) != now.unfinished.end())
      return QueuedExperiment{retry.id, retry};
  }
  if (now.planned < budget)
    return QueuedExperiment{now.planned + 1, std::nullopt};
  return std::nullopt;
}

namespace {

/// The keys of the mutations of the experiment `record` names: recorded with it, or (older
/// ledgers) those its decide node weighs.
Result<std::vector<cache::Digest>> mutation_keys(const Workspace& workspace, const nlohmann::json& record) {
  std::vector<std::string> hex = record.value("mutations", std::vector<std::string>{});
  if (hex.empty()) {
    auto key = cache::Digest::from_hex(record.value("key", ""));
    if (!key)
      return fail("its record has no key");
    auto decide = workspace.load_spec(*key);
    if (!decide)
      return std::unexpected(decide.error());
    for (const auto& candidate : decide->json.value("candidates", nlohmann::json::array()))
      hex.push_back(candidate.value("candidate", nlohmann::json::object()).value("mutate", ""));
  }
  std::vector<cache::Digest> keys;
  for (const auto& h : hex) {
    auto key = cache::Digest::from_hex(h);
    if (!key)
      return fail(fmt::format("'{}' is not a mutation key", h));
    keys.push_back(*key);
  }
  return keys;
}

}  // namespace

Result<ExperimentPlan> plan_retry(const Workspace& workspace, const Target& target, const Retry& retry,
                                  const SearchPosition& now, const JudgeSamples* samples,
                                  const nlohmann::json& reference) {
  auto failed = [&](const std::string& why) -> Result<ExperimentPlan> {
    return fail(fmt::format("{} #{} cannot be planned again as it was: {}", target.name, retry.id, why));
  };
  auto keys = mutation_keys(workspace, retry.last);
  if (!keys)
    return failed(keys.error().message);
  const size_t most = static_cast<size_t>(target.drafts);
  const size_t fewest = target.drafts_auto ? static_cast<size_t>(target.drafts_auto->min) : most;
  if (keys->size() < fewest || keys->size() > most)
    return failed(fmt::format("it had {} draft(s), the target has {}", keys->size(),
                              fewest == most ? fmt::format("{}", most) : fmt::format("{} to {}", fewest, most)));
  std::vector<DraftStart> starts;
  std::vector<std::string> prompts;
  for (const auto& key : *keys) {
    auto spec = workspace.load_spec(key);
    if (!spec)
      return failed(spec.error().message);
    const nlohmann::json& m = spec->json;
    DraftStart start{m.value("parent", ""), m.value("restart", false), m.value("second_parent", ""), "", ""};
    if (m.value("draft", -1) == retry.last.value("draft", 0)) {
      start.strategy = retry.last.value("strategy", "");
      start.selection = retry.last.value("selection", "");
    }
    starts.push_back(std::move(start));
    std::string prompt = m.value("prompt", "");
    if (auto reply = cache::Digest::from_hex(m.value("reply", ""))) {
      auto call = workspace.load_spec(*reply);
      if (!call)
        return failed(call.error().message);
      prompt = call->json.value("prompt", "");
    }
    prompts.push_back(std::move(prompt));
  }
  size_t draft = 0;
  auto plan = plan_experiment(
      target, retry.id, retry.planned_from, starts,
      [&](const DraftStart&) -> Result<std::string> { return prompts.at(draft++); }, samples);
  if (!plan)
    return std::unexpected(plan.error());
  // Anything else would ask the agents that answered again: better to say so than to pay.
  if (plan->mutations != *keys)
    return failed("its drafts plan to other nodes now");
  plan->decide = decide_against(target, *plan, now, reference);
  return plan;
}

std::string experiment_numbers(const std::vector<int>& ids) {
  std::string out;
  for (int id : ids)
    out += fmt::format("{}#{}", out.empty() ? "" : ", ", id);
  return out;
}

}  // namespace anneal::graph
