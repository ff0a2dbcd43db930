// cli: the JSON of `anneal status`, `history` and `show` — one producer for the commands'
// --json and for the dashboard's API, so both always say the same.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/digest.h"
#include "cli/experiment_nodes.h"
#include "cli/project.h"
#include "cli/record_lookup.h"
#include "nodes/node_result.h"
#include "util/error.h"

namespace anneal::cli {

/// `history --json` of these records (latest attempts), with each one's "run" when `with_run`
/// (--all).
nlohmann::json history_listing(const std::vector<nlohmann::json>& records, bool with_run);

/// `anneal status [TARGET…] --json`: one object per target (all when `names` is empty).
Result<nlohmann::json> status_json(Project& project, const std::vector<std::string>& names);

/// How many of a target's latest experiments `anneal failures` (and `status --json`) counts
/// unless told otherwise.
inline constexpr size_t k_failure_window = 20;

/// `anneal failures TARGET --json`: how the current run's last `last` experiments (latest
/// attempts) failed — graph::FailureDistribution::to_json plus "window", and the "first"
/// and "last" experiment counted (null when there is none).
Result<nlohmann::json> failures_json(Project& project, const std::string& target, size_t last);

/// `anneal history TARGET --json`: the current run's experiments, oldest first, each its
/// latest attempt. An unknown target fails with the list of known ones.
Result<nlohmann::json> history_json(Project& project, const std::string& target);

/// The candidate's change against its parent, as a patch; nullopt when the record has no
/// commit or parent (the baseline, a blocked draft) or the repository lacks them.
std::optional<std::string> experiment_patch(Project& project, const nlohmann::json& record);

/// What `anneal show HASH` shows: one experiment, or else one node; neither when nothing
/// matches. An ambiguous prefix fails.
struct Shown {
  std::optional<FoundRecord> experiment;
  std::optional<cache::Digest> node;
};
Result<Shown> find_shown(Project& project, const std::string& hash);

/// `anneal show HASH --json`: the experiment (TARGET#N, key or commit prefix) or node (key
/// prefix) `hash` names; nullopt when nothing matches. An ambiguous prefix fails.
Result<std::optional<nlohmann::json>> show_json(Project& project, const std::string& hash);

/// The message `show` fails with when nothing matches `hash`.
std::string no_match_message(const std::string& hash);

}  // namespace anneal::cli
