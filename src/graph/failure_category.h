// The failure taxonomy: why an experiment did not improve, as a category a reader (and the
// agent) can count, given by built-in rules from what the ledger records.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace anneal::graph {

// The categories the rules give (ledger.h records the one given in "failure"):
//
//   scope          the change broke the scope (violations)
//   unchanged      the agent changed nothing
//   duplicate      the candidate's tree was evaluated before in this run
//   gate:NAME      verify gate NAME failed
//   keep_if:STAGE  STAGE's score (or the judge's, "judge", or a criterion's, "judge.LABEL")
//                  failed its keep_if
//   timeout        the agent, a gate or a stage ran out of time
//   edit_failed    the agent's edit could not be made (a SEARCH block did not match, a reply
//                  with no edit)
//   parse          a stage (or its parse command) printed no number
//   crash          the agent or an evaluation failed otherwise
//   regression     evaluated, and not better than the incumbent
//
// `crash` and `regression` are what a taxonomy agent (taxonomy: {agent: NAME}) may refine
// into the seed's categories (k_agent_categories). A failure a category does not explain —
// `crash` left unrefined, or what the agent could not attribute (`unexplained`) — is a blind
// spot.

/// The seed's categories a taxonomy agent classifies into, besides `unexplained`.
extern const std::vector<std::string> k_agent_categories;

/// The rules' category of a ledger record; "" when it is no failure (the baseline, kept).
std::string rule_category(const nlohmann::json& record);

/// The record's category: the one recorded in "failure", else (records written before the
/// taxonomy) the rules'.
std::string failure_category(const nlohmann::json& record);

/// Whether a failure of `category` is a blind spot: no category explains it.
bool blind_spot(const std::string& category);

/// How the experiments of a window failed.
struct FailureDistribution {
  size_t experiments = 0;  ///< in the window (the baseline is not counted)
  size_t failed = 0;
  /// category → count, most frequent first (ties by name).
  std::vector<std::pair<std::string, size_t>> counts;
  /// The blind spots: {"id", "category", "detail" (its first line)}, oldest first.
  std::vector<nlohmann::json> blind_spots;

  nlohmann::json to_json() const;
};

/// The distribution over `records` (ledger records, oldest first; id 0 is skipped).
FailureDistribution failure_distribution(const std::vector<nlohmann::json>& records);

/// The prompt's lines about it: "4 of the last 6 failed gate:typecheck (…)", one per
/// category; "" when nothing failed.
std::string failure_prompt_lines(const FailureDistribution& distribution);

}  // namespace anneal::graph
