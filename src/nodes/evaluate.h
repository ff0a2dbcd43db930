#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "nodes/node.h"

namespace anneal::nodes {

// Verify spec fields (version 1), besides "kind": "verify" and "v":
//
//   "target": NAME, "name": GATE, "run": CMD, "timeout": SECONDS,
//   "candidate": {"commit": SHA} | {"mutate": KEY}
//
// Stage spec fields (version 1), besides "kind": "stage" and "v":
//
//   "target": NAME, "name": STAGE, "run": CMD, "parse": CMD|"", "repeat": N,
//   "timeout": SECONDS, "scored": BOOL (a number is required),
//   "keep_if": {"op": "<"|"<="|">"|">="|"=="|"!=", "value": X} | null,
//   "candidate": {...}, "after": [KEY...]   gates and stages that must succeed first
//
// Commands run through `sh -c` in the candidate's worktree with ANNEAL_TARGET set. A gate
// is ok when it exits 0, else failed. A stage is failed when `run` exits non-zero, crashed
// when it times out or prints no number where one is needed, rejected when the median of
// its `repeat` scores fails keep_if, else ok with that median as its score.

/// Everything a node that evaluates a candidate (verify, stage, judge) needs before it can
/// run, or the reason it must not run.
struct PreparedCandidate {
  std::optional<NodeResult> skipped;  ///< set: return this result and run nothing
  std::filesystem::path worktree;     ///< the candidate's checkout, when not skipped
};

/// Resolves spec["candidate"]; skipped when its mutation or a node in spec["after"] did not
/// succeed; else checks out its worktree (for spec["target"]). An upstream node with no
/// result is an error.
Result<PreparedCandidate> prepare_candidate(NodeContext& context, const nlohmann::json& spec);

Result<NodeResult> execute_verify(NodeContext& context, const NodeSpec& spec);
Result<NodeResult> execute_stage(NodeContext& context, const NodeSpec& spec);

/// The score a command printed: the last whitespace-separated token that starts with a
/// decimal number ("41.2", "41.2ms", "72%", "93.5%." — trailing punctuation is dropped),
/// or nullopt. Hexadecimal tokens ("0x1f") are ids, not scores.
std::optional<double> last_number(std::string_view output);

/// The median of a non-empty list.
double median(std::vector<double> values);

/// Whether `value` satisfies `op value` with op one of < <= > >= == !=.
bool satisfies(double value, std::string_view op, double bound);

}  // namespace anneal::nodes
