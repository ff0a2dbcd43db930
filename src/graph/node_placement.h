// Where each node of a build runs: on this machine under ninja (the local executor), or as
// one Slurm job step, `srun <flags> anneal node KEY`, started and watched by an `anneal node`
// on this machine (cli/slurm_node.cc). Where a node runs is never part of its key: it is
// where, not what, so the same Annealfile and seed give the same ledger either way.
//
// What goes to Slurm: command agents, gates and stages whose executor (their own, else the
// Annealfile's, unless `anneal build --executor` overrides both) is slurm. LLM calls, judges,
// api and tune agents and the decision stay here: they wait on a provider or are arithmetic,
// and their pools (rate limits) are this machine's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "graph/annealfile.h"
#include "graph/experiment_plan.h"

namespace anneal::graph {

/// `anneal build --executor`: every node's executor, whatever the Annealfile says.
enum class ExecutorOverride { None, Local, Slurm };

struct NodePlacement {
  bool slurm = false;
  /// slurm: srun's options, before the command (--job-name, --partition, resources,
  /// --exclusive, --time, the executor's `options`).
  std::vector<std::string> srun_args;
};

/// Where `node` (a node of `file`'s targets) runs.
NodePlacement place_node(const Annealfile& file, const PlannedNode& node, ExecutorOverride override);

/// "anneal:<target>#<experiment>:<node>.<draft>" (e.g. anneal:api-perf#3:latency.0, with
/// `agent` for a command agent's node) from a node's description; what squeue shows.
std::string slurm_job_name(const PlannedNode& node);

/// The slurm executor the build's ninja -j comes from: the Annealfile's when it is slurm,
/// else (with --executor slurm, or a command of a target that asks for it) the first one
/// written, else a default one; nullopt when no node of `file` would run on Slurm.
std::optional<Executor> build_slurm_executor(const Annealfile& file, ExecutorOverride override);

/// Minutes for srun --time: `seconds` rounded up to whole minutes (Slurm counts in minutes).
int slurm_minutes(double seconds);

}  // namespace anneal::graph
