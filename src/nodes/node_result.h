#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/json_text.h"

namespace anneal::nodes {

// Action result format, version 1: the payload of a cache action entry, a JSON object.
//
//   {"v":1, "outcome": OUTCOME, "detail": STRING, "exit_code": INT|null,
//    "score": NUMBER|null, "samples": [NUMBER...], "duration_s": NUMBER, "cost_usd": NUMBER,
//    "blobs": {"stdout": HEX, "stderr": HEX, "patch": HEX, ...},
//    "commit": SHA, "tree": SHA, "parent": SHA, "hypothesis": STRING,
//    "violations": [{"path": STRING, "reason": STRING}...],
//    "decision": {...},                       decide nodes only; see decide_node.h
//    "judgement": {...},                      judge nodes only; see judge_node.h
//    "tokens": {"input": N, "output": N},     llm nodes: what the provider billed
//    "unfinished": true}                      the node could not do its work (below)
//
// Fields that do not apply to a kind are omitted. Outcomes (strings on disk):
//   ok        the node did its work (gate passed, stage scored, mutation produced)
//   failed    the user's command exited non-zero (gate or stage)
//   rejected  a stage's score failed its keep_if
//   blocked   a mutation broke the scope, or changed nothing
//   crashed   the agent or an evaluation timed out, or printed no number
//   skipped   not run because an upstream node did not succeed
//
// An unfinished node (crashed, or skipped or decided after one) could not do its work: its
// program was not found or not executable (exit status 127 or 126), it was killed by a
// signal, it timed out, its provider failed after the retries, the network was down. That
// says nothing about the candidate, so it is not a result: it is stored as the key's last
// attempt (LocalStore::put_attempt), never as a cached result, and the next build runs the
// node again. A command that ran and answered (a gate exiting 1, a stage printing no number,
// edit blocks that do not apply) is a result like any other and stays cached.

inline constexpr int k_result_version = 1;

/// Unchanged (the agent changed nothing) was Blocked with detail "no change" before it had a
/// name of its own; such stored results still read as Blocked.
enum class Outcome { Ok, Failed, Rejected, Blocked, Crashed, Skipped, Unchanged };

std::string_view outcome_name(Outcome outcome);
std::optional<Outcome> outcome_from_name(std::string_view name);

struct ScopeViolation {
  std::string path;
  std::string reason;
};

/// What a node produced.
struct NodeResult {
  Outcome outcome = Outcome::Ok;
  std::string detail;  ///< why, for anything but ok: "gate typecheck: exit status 1"
  std::optional<int> exit_code;
  std::optional<double> score;
  std::vector<double> samples;  ///< one score per repeat
  double duration_s = 0;
  double cost_usd = 0;
  std::map<std::string, std::string> blobs;  ///< name → blob digest (hex)
  std::string commit, tree, parent, hypothesis;
  std::vector<ScopeViolation> violations;
  nlohmann::json decision;   ///< decide nodes
  nlohmann::json judgement;  ///< judge nodes: the votes on one sample (null otherwise)
  int64_t input_tokens = 0;   ///< llm nodes: prompt tokens billed
  int64_t output_tokens = 0;  ///< llm nodes: completion tokens billed
  bool unfinished = false;    ///< could not do its work: stored as an attempt, not cached

  bool ok() const { return outcome == Outcome::Ok; }

  nlohmann::json to_json() const;
  static Result<NodeResult> from_json(const nlohmann::json& j);
  std::string serialize() const { return dump_json(to_json()); }
  static Result<NodeResult> parse(std::string_view payload);
};

}  // namespace anneal::nodes
