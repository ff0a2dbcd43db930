#pragma once

#include "nodes/node.h"

namespace anneal::nodes {

// Mutate spec fields (version 1), besides "kind": "mutate" and "v":
//
//   "target": NAME, "experiment": N, "draft": D, "seed": U64
//   "parent": SHA                          the commit the candidate starts from
//   "agent":  {"kind": "command", "run": CMD, "timeout": SECONDS}
//           | {"kind": "tune", "params": [{"file","pattern","min","max","integer"}...]}
//   "scope":  {"editable": [GLOB...], "immutable": [GLOB...]}
//   "step_scale": X                        tune: 1 at the start, smaller as the search cools
//   "prompt": TEXT                         command: what ANNEAL_PROMPT_FILE holds
//
// The result carries "commit", "tree", "parent", "hypothesis" and the blobs "patch",
// "message", "stdout", "stderr"; a change outside the scope is "blocked" with
// "violations", and no change at all is "blocked" with detail "no change".

/// Runs the agent in the draft's worktree (slot "d<draft>", reset to the parent), checks the
/// scope and commits the candidate.
Result<NodeResult> execute_mutate(NodeContext& context, const NodeSpec& spec);

}  // namespace anneal::nodes
