#pragma once

#include "nodes/node.h"

namespace anneal::nodes {

// Mutate spec fields (version 1), besides "kind": "mutate" and "v":
//
//   "target": NAME, "experiment": N, "draft": D, "seed": U64
//   "parent": SHA                          the commit the candidate starts from
//   "agent":  {"kind": "command", "run": CMD, "timeout": SECONDS, "cost_field"?: PATH}
//           | {"kind": "tune", "params": [{"file","pattern","min","max","integer"}...]}
//           | {"kind": "api", "whole_file_max_bytes": N}
//   "scope":  {"editable": [GLOB...], "immutable": [GLOB...]}
//   "step_scale": X                        tune: 1 at the start, smaller as the search cools
//   "tried": [[X per param]...]            tune: points measured before in this run, not
//                                          proposed again while another is left (tune_tried.h);
//                                          absent: none known
//   "prompt": TEXT                         command: what ANNEAL_PROMPT_FILE holds
//   "reply": KEY                           api: the llm node whose reply holds the edit blocks
//
// The result carries "commit", "tree", "parent", "hypothesis" and the blobs "patch",
// "message", "stdout", "stderr"; a change outside the scope is "blocked" with
// "violations", and no change at all is "unchanged" with detail "no change" (results stored
// before that outcome existed say "blocked" with that detail). An api agent's
// reply that cannot be parsed, or whose edit blocks do not apply, is "crashed" with the
// reason (fed back to the agent next time); its cost is the llm node's.

/// Runs the agent in the draft's worktree (slot "d<draft>", reset to the parent), checks the
/// scope and commits the candidate.
Result<NodeResult> execute_mutate(NodeContext& context, const NodeSpec& spec);

}  // namespace anneal::nodes
