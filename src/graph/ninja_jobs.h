// How many edges one ninja run may start at once. ninja's -j bounds every edge, so with the
// plain -j (ninja's default: the CPUs plus two) a judge whose agent allows 16 requests at once
// got no more than 3 of them on a 2-core machine, and the rate limit was never the limit.
// Here -j bounds the user's commands (agents, gates, stages, on this machine or on Slurm):
// they share the pool `commands` as deep as -j was, and each provider's pool of LLM calls
// (llm_<provider>, as deep as its agent's max_concurrent) comes on top, so ninja runs
// `-j commands + the pools' depths + 1` (the exclusive stage). Nothing of this is in a key.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "graph/experiment_plan.h"

namespace anneal::graph {

/// The pool of the edges that are neither LLM calls nor exclusive, when a run has LLM calls.
inline constexpr const char* k_commands_pool = "commands";

/// The -j ninja picks when given none (its GuessParallelism: 2 for one CPU, 3 for two, else
/// the CPUs plus two).
int ninja_default_jobs();

/// The named pools of `nodes` (the LLM pools) and their depths, at least 1 each.
std::map<std::string, int> node_pools(const std::vector<PlannedNode>& nodes);

/// ninja's -j for `nodes` when the user's commands may run `command_jobs` at once: that plus
/// every pool's depth plus one for the exclusive pool; `command_jobs` when there is no pool.
int ninja_jobs(const std::vector<PlannedNode>& nodes, int command_jobs);

}  // namespace anneal::graph
