#pragma once

#include "nodes/node.h"

namespace anneal::nodes {

// Judge spec fields (version 1), besides "kind": "judge" and "v": one node per candidate
// and sample.
//
//   "target": NAME,
//   "candidate": {"commit": SHA} | {"mutate": KEY, "slot": N}   as for verify and stage
//   "after": [KEY...]                 gates and stages that must succeed first, else skipped
//   "artifact": [PATH...]             files in the worktree whose text is judged
//   "set": "samples" | "held_out",
//   "sample": {"name": NAME, "text": TEXT},
//   "criteria": [QUESTION...]         K YES/NO questions, in the Annealfile's order
//   "votes": N (>= 1), "method": "majority" | "bradley-terry",
//   "judge": {LLM FIELDS},            an llm spec without purpose, system and prompt
//   "generate": null | {"run": CMD, "timeout": SECONDS} | {"llm": {LLM FIELDS}}
//
// The judged text is the artifact's (several files: each after a line `--- PATH ---`), or,
// with `generate`, the output made for the sample: by an llm call whose system text is the
// artifact and whose prompt is the sample, or by `run` through `sh -c` in the worktree with
// ANNEAL_SAMPLE (a file holding the sample text), ANNEAL_SAMPLE_NAME and ANNEAL_TARGET set
// (stdout is the output; a non-zero exit or a timeout crashes the node with its stderr).
//
// Vote v (0-based) is one llm call (see llm_node.h): the judge fields plus "purpose": "judge",
// "system": k_judge_contract, "prompt": judge_prompt(...) with the criteria forward when v is
// even and reversed when odd, "vote": v, and "seed": the agent's seed, else one derived from
// v. A reply with an answer missing is asked once more with "retry": 1; answers still missing
// count neither way. Calls carry no candidate or experiment: the same text, sample, criteria,
// model and vote give the same key, so each is answered from the cache after the first time
// (a cached call that crashed is sent again). Their specs go to NodeContext::save_spec.
// bradley-terry stops voting once every criterion is settled (judge_votes.h).
//
// The result is ok with score = sample_score of the tallies and
//
//   "judgement": {"set": SET, "sample": NAME, "content": HEX (XXH3-128 of the judged text),
//                 "criteria": [{"yes": N, "no": N, "missing": N, "rate": X, "passed": 1|0.5|0}...]
//                             in the Annealfile's order,
//                 "votes": USED, "votes_saved": N, "calls": CALLS SENT (not from the cache)}
//
// and the blobs "transcript" (a JSON array, one object per call: key, purpose, vote, order,
// retry, cached, prompt, reply, answers) and "output" (the generated output). cost_usd is what
// this execution's calls cost. A call or generation that fails makes the node crashed with the
// reason ("judge call for sample S, vote V: ..."); a refused key or unknown model is an error.

/// Judges one candidate on one sample.
Result<NodeResult> execute_judge(NodeContext& context, const NodeSpec& spec);

}  // namespace anneal::nodes
