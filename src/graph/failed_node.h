// Which node of an experiment failed, so every failure line can say where its log is.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "graph/workspace.h"

namespace anneal::graph {

/// The key of the node of experiment `record` (a ledger record) whose log explains its
/// failure: the first that crashed (per draft: the LLM call, the mutation, the gates, the
/// stages, the judge), else the first that failed, else the first that left no result, else
/// the experiment's own key; "" for a record without a key. `anneal show` of it prints its log.
std::string failed_node_key(Workspace& workspace, const nlohmann::json& record);

/// "anneal show KEY" for failed_node_key(), with the key cut to 16 digits (a prefix will do).
std::string show_failure_command(Workspace& workspace, const nlohmann::json& record);

}  // namespace anneal::graph
