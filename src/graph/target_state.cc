#include "graph/target_state.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "graph/retry_plan.h"

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
                                   const Target& target, std::optional<int> budget, int more) {
  if (more > 0) {
    auto now = inspect_target(workspace, annealfile, target, std::nullopt);
    if (!now)
      return std::unexpected(now.error());
    bool same_run = now->kind == TargetState::Kind::Resume || now->kind == TargetState::Kind::UpToDate;
    budget = (same_run ? now->finished : 0) + more;  // what finished counts (retry_plan.h)
  }
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

  // The baseline: what the target needs, else HEAD when it moved in a way the target sees,
  // else the commit the last run stood on (graph/baseline_choice.h).
  if (!upstream.empty()) {
    state.baseline = upstream.back();
  } else {
    auto repo = workspace.repo();
    if (!repo)
      return std::unexpected(repo.error());
    std::string previous = state.last ? state.last->value("baseline", "") : "";
    std::string incumbent =
        state.last ? SearchPosition::from_json(state.last->value("state", nlohmann::json::object())).incumbent : "";
    auto choice = choose_baseline(**repo, target, previous, incumbent);
    if (!choice)
      return std::unexpected(choice.error());
    state.baseline = choice->baseline;
    state.moved = choice->moved;
    state.carry = choice->carry;
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
    state.reason = !state.moved.empty() ? state.moved
                   : last_record.value("baseline", "") != state.baseline
                       ? "the target it needs has a new best commit"
                       : "its configuration changed since the last build" + changed_parts(last_record, state.parts);
    return state;
  }
  SearchPosition position = recorded_position(last_record);
  state.next_id = position.planned + 1;
  state.finished = position.finished();
  state.unfinished = position.unfinished;
  state.reason = fmt::format("{} of {} experiments done", state.finished, state.budget);
  if (state.finished >= state.budget) {
    state.kind = TargetState::Kind::UpToDate;
    return state;
  }
  state.kind = TargetState::Kind::Resume;
  if (!state.unfinished.empty())
    state.reason += fmt::format("; {} did not finish", experiment_numbers(state.unfinished));
  int failures = position.consecutive_failures;
  int limit = target.budget.max_consecutive_failures;
  if (limit > 0 && failures >= limit)
    state.reason += fmt::format("; halted after {} failed experiments in a row (`anneal build` tries again)", failures);
  return state;
}

}  // namespace anneal::graph
