// Which node of an experiment failed, so every failure line can say where its log is.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/experiment_plan.h"
#include "graph/workspace.h"
#include "util/error.h"

namespace anneal::graph {

/// The key of the node of experiment `record` (a ledger record) whose log explains its
/// failure: the first that crashed (per draft: the LLM call, the mutation, the gates, the
/// stages, the judge), else the first that failed, else the first that left no result, else
/// the experiment's own key; "" for a record without a key. `anneal show` of it prints its log.
std::string failed_node_key(Workspace& workspace, const nlohmann::json& record);

/// "anneal show KEY" for failed_node_key(), with the key cut to 16 digits (a prefix will do).
std::string show_failure_command(Workspace& workspace, const nlohmann::json& record);

/// When the command of failed_node_key() ended by a signal — a stage that segfaults, an agent
/// killed by the OOM killer — its recorded reason with the signal named:
/// "stage bench: killed by signal 11 (Segmentation fault)"; "" otherwise.
std::string signal_failure(Workspace& workspace, const nlohmann::json& record);

/// Why running `ran` (the nodes a ninja run was given) failed with `ninja_failure` (ninja's
/// output): one line per node whose edge ninja names as FAILED and that died of a signal
/// (graph/node_death.h),
/// "node KEY (DESCRIPTION) was killed by signal 11 (Segmentation fault); its log: anneal show KEY";
/// `ninja_failure` itself when none did.
std::string explain_node_failures(Workspace& workspace, const std::vector<PlannedNode>& ran,
                                  const std::string& ninja_failure);

/// Fails with "TARGET: halted after N consecutive failed experiments …", naming the last one
/// (`record`) and its log, once `consecutive` reaches the target's budget.max_consecutive_failures.
Result<void> check_consecutive_failures(Workspace& workspace, const Target& target, int consecutive,
                                        const nlohmann::json& record);

}  // namespace anneal::graph
