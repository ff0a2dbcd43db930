#pragma once

#include "nodes/node.h"

namespace anneal::nodes {

// Decide spec fields (version 1), besides "kind": "decide" and "v":
//
//   "target": NAME, "experiment": N, "baseline": BOOL, "metric": STAGE,
//   "search": the target's `search:` mapping, "direction": "maximize"|"minimize",
//   "min_improvement": X, "state": SearchState JSON (before this decision),
//   "incumbent_score": X | null,
//   "candidates": [{"draft": D, "candidate": {"commit": SHA} | {"mutate": KEY},
//                   "gates": [KEY...], "stages": {STAGE: KEY...}, "judge": [KEY...]}
//                  | {"draft": D, "candidate": {"mutate": KEY}, "duplicate": {"experiment": N,
//                     "draft": D, "outcome": OUTCOME|null, "score": X|null, "scores": {STAGE: X}}}...]
//   (a "duplicate" draft made a tree measured before, graph/seen_candidates.h: it is not
//   evaluated; its outcome is "duplicate", its score and scores the earlier candidate's)
//
// With a judge (judge_decision.h) also "judge": its settings, "incumbent_samples":
// {SAMPLE: [passed per criterion]} | null and "acceptance": the multiple-comparison window.
// A metric "judge" or "judge.X" is then compared sample by sample with a paired test instead
// of the strategy's rule (which still keeps its temperature and acceptance window).
//
// The result's "decision" object is what the ledger records for the experiment:
//
//   {"outcome": "baseline"|"kept"|"discarded"|"rejected"|"blocked"|"unchanged"|"duplicate"|"crashed",
//    "draft": D|null, "score": X|null, "scores": {STAGE: X}, "commit": SHA|null,
//    "hypothesis": TEXT, "violations": [{"path","reason"}], "detail": TEXT,
//    "accept": BOOL, "reason": TEXT, "probability": P, "state": SearchState JSON (after),
//    "duration_s": X, "cost_usd": X,
//    "drafts": [{"draft", "outcome" ("survived" or a failure), "score", "hypothesis", "detail"}],
//                                             (with more than one draft)
//    "judge": JudgeScores::to_json plus "test" (the comparison's record),
//    "acceptance": the window after this decision}         (with a judge)
//
// Among the drafts that passed every gate and stage, the best by the objective is compared
// with the incumbent; when none passed, the first draft's failure is the outcome.

/// Reads the upstream results from the cache and decides. Pure: no process, no git.
Result<NodeResult> execute_decide(NodeContext& context, const NodeSpec& spec);

}  // namespace anneal::nodes
