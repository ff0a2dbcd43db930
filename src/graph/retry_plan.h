// Experiments that did not finish, and running them again: which experiment a build runs
// next, how one is planned again as it was, and the ledger's view of their attempts.
//
// An experiment did not finish when one of its nodes could not do its work (node_result.h:
// a program not found, a signal, a timeout, a provider outage). Its record says so and
// nothing of it is cached; the next build runs it again under the same number, from the
// same parents with the same seeds and prompts, so every node that did finish (an agent
// that answered, a gate that passed) is a cache hit. The experiments a target's budget
// counts are those that finished.
//
// Ledger record fields (version 1, added; absent in older ledgers, which read as "attempt 1,
// finished"):
//
//   "attempt": N         1 for an experiment's first run, 2 for the next, …
//   "unfinished": true   only on an attempt that did not finish
//   "state": {…, "planned": N, "unfinished": [ID…]}   after this record: the highest number
//                        planned and those whose latest attempt did not finish
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/experiment_plan.h"
#include "graph/judge_samples.h"
#include "graph/workspace.h"
#include "util/error.h"

namespace anneal::graph {

/// The position recorded after `record` (its "state"), with `planned` filled in for
/// ledgers written before attempts were counted.
SearchPosition recorded_position(const nlohmann::json& record);

/// Whether a ledger record is an attempt that did not finish.
bool unfinished_record(const nlohmann::json& record);

/// One experiment of the current generation as `history` shows it: its latest attempt, with
/// "attempts": how many there were.
std::vector<nlohmann::json> latest_attempts(const std::vector<nlohmann::json>& generation);

/// An experiment to run again: its latest attempt and where the search stood when it was
/// first planned.
struct Retry {
  int id = 0;
  int attempts = 0;  ///< how many it has had
  nlohmann::json last;  ///< the latest attempt's record
  SearchPosition planned_from;
};

/// What a build runs next.
struct QueuedExperiment {
  int id = 0;
  std::optional<Retry> retry;  ///< set when the experiment runs again
  int attempt() const { return retry ? retry->attempts + 1 : 1; }
};

/// The experiments of one build, in order: the baseline when it is due, then each that had
/// not finished when the build started (once each, oldest first), then new ones until the
/// budget is planned; nothing more once `budget` experiments have finished.
class ExperimentQueue {
 public:
  /// `generation`: the ledger's current generation (read only when `position` has
  /// unfinished experiments); `baseline_due`: the build starts at experiment 0.
  ExperimentQueue(bool baseline_due, const SearchPosition& position, const std::vector<nlohmann::json>& generation);

  std::optional<QueuedExperiment> next(const SearchPosition& now, int budget);
  /// The experiments to run again, in order, for messages.
  const std::vector<Retry>& retries() const { return m_retries; }

 private:
  bool m_baseline_due = false;
  std::vector<Retry> m_retries;
  size_t m_next_retry = 0;
};

/// Plans `retry` as its first attempt was planned — the same draft starts, seeds and prompts,
/// read from its saved node specs — and decides it against `now` with `reference` (the
/// strategy's reference today). An error when its specs are gone (`anneal clean`).
Result<ExperimentPlan> plan_retry(const Workspace& workspace, const Target& target, const Retry& retry,
                                  const SearchPosition& now, const JudgeSamples* samples,
                                  const nlohmann::json& reference);

/// "#2, #5" — the numbers of experiments that did not finish, for messages.
std::string experiment_numbers(const std::vector<int>& ids);

}  // namespace anneal::graph
