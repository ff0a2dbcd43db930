#include "graph/target_state.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace anneal::graph {

Result<std::string> best_commit(Workspace& workspace, const Target& target) {
  auto ledger = Ledger::open(workspace.ledger_path(target.name));
  if (!ledger)
    return std::unexpected(ledger.error());
  auto last = ledger->last();
  if (!last)
    return std::unexpected(last.error());
  if (!*last)
    return fail(fmt::format("target '{}' has not been built yet", target.name));
  return SearchPosition::from_json((*last)->value("state", nlohmann::json::object())).best;
}

namespace {

/// " (changed: judge, stages)" from the parts recorded with the last experiment, or "" when
/// the ledger predates them.
std::string changed_parts(const nlohmann::json& last, const nlohmann::json& parts) {
  const nlohmann::json recorded = last.value("config_parts", nlohmann::json());
  if (!recorded.is_object())
    return "";
  std::vector<std::string> changed;
  for (const auto& [key, value] : parts.items())
    if (!recorded.contains(key) || recorded.at(key) != value)
      changed.push_back(key);
  for (const auto& [key, value] : recorded.items())
    if (!parts.contains(key))
      changed.push_back(key);
  return changed.empty() ? "" : fmt::format(" (changed: {})", fmt::join(changed, ", "));
}

}  // namespace

Result<TargetState> inspect_target(Workspace& workspace, const Annealfile& annealfile,
                                   const Target& target, std::optional<int> budget) {
  TargetState state;
  state.budget = budget.value_or(target.budget.experiments);
  std::vector<std::string> upstream;
  for (const auto& need : target.needs) {
    const Target* other = annealfile.find_target(need);
    if (!other)
      return fail(fmt::format("target '{}' needs unknown target '{}'", target.name, need));
    auto commit = best_commit(workspace, *other);
    if (!commit)
      return std::unexpected(commit.error());
    upstream.push_back(*commit);
  }
  if (target.judge) {
    auto samples = load_judge_samples(*target.judge, workspace.root());
    if (!samples)
      return fail(fmt::format("target '{}': {}", target.name, samples.error().message));
    state.samples = std::move(*samples);
  }
  std::string samples_digest = state.samples ? state.samples->digest.hex() : "";
  state.digest = config_digest(target, upstream, samples_digest);
  state.parts = config_parts(target, upstream, samples_digest);

  auto ledger = Ledger::open(workspace.ledger_path(target.name));
  if (!ledger)
    return std::unexpected(ledger.error());
  auto last = ledger->last();
  if (!last)
    return std::unexpected(last.error());
  state.last = *last;

  // The baseline: what the target needs, else the commit pinned by the first build, else HEAD.
  if (!upstream.empty())
    state.baseline = upstream.back();
  else if (state.last)
    state.baseline = state.last->value("baseline", "");
  if (state.baseline.empty()) {
    auto repo = workspace.repo();
    if (!repo)
      return std::unexpected(repo.error());
    auto head = (*repo)->head_commit();
    if (!head)
      return std::unexpected(head.error());
    state.baseline = *head;
  }

  if (!state.last) {
    state.kind = TargetState::Kind::New;
    state.reason = "never built";
    return state;
  }
  const auto& last_record = *state.last;
  bool same_config = last_record.value("config", "") == state.digest.hex() &&
                     last_record.value("baseline", "") == state.baseline;
  if (!same_config) {
    state.kind = TargetState::Kind::Replay;
    state.reason = last_record.value("baseline", "") != state.baseline
                       ? "the target it needs has a new best commit"
                       : "its configuration changed since the last build" + changed_parts(last_record, state.parts);
    return state;
  }
  int last_id = last_record.value("id", 0);
  state.next_id = last_id + 1;
  if (last_id >= state.budget) {
    state.kind = TargetState::Kind::UpToDate;
    state.reason = fmt::format("{} of {} experiments done", last_id, state.budget);
    return state;
  }
  state.kind = TargetState::Kind::Resume;
  state.reason = fmt::format("{} of {} experiments done", last_id, state.budget);
  int failures = SearchPosition::from_json(last_record.value("state", nlohmann::json::object())).consecutive_failures;
  int limit = target.budget.max_consecutive_failures;
  if (limit > 0 && failures >= limit)
    state.reason += fmt::format("; halted after {} failed experiments in a row (`anneal build` tries again)", failures);
  return state;
}

}  // namespace anneal::graph
