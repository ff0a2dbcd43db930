// nodes: the node kinds — mutate (agents), verify, stage (deterministic evaluation) and
// decide (search) — their specs, their results, and how each is executed.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cache/digest.h"
#include "util/error.h"

namespace anneal::nodes {

// Node spec format, version 1.
//
// A spec is a JSON object serialised canonically: keys sorted, no insignificant whitespace,
// numbers as nlohmann prints them (shortest round-trip form). Every spec has
//
//   "kind": "mutate" | "llm" | "verify" | "stage" | "judge" | "decide"
//   "v":    k_spec_version
//
// plus the fields its kind documents in its header (mutate.h, llm_node.h, evaluate.h,
// judge_node.h, decide_node.h).
// A spec holds everything that can change the node's result and nothing else: no
// timestamps, no absolute paths of this machine, no secrets. Its key is XXH3-128 over
// k_spec_salt followed by the canonical bytes.

inline constexpr int k_spec_version = 1;
inline constexpr std::string_view k_spec_salt = "anneal-node-spec-v1";

/// A node spec with its canonical text and key, computed once.
struct NodeSpec {
  nlohmann::json json;
  std::string canonical;
  cache::Digest key;

  std::string kind() const { return json.value("kind", ""); }
};

/// Builds the spec (adds "v") and computes its canonical form and key.
NodeSpec make_spec(nlohmann::json json);

/// Parses a stored spec and checks it hashes to `expected` (a spec file that was edited or
/// damaged is refused rather than run under the wrong key).
Result<NodeSpec> parse_spec(std::string_view canonical, const cache::Digest& expected);

/// A short, human-readable name for a node: "mutate api-perf#3.0", "stage latency of api-perf".
std::string describe_spec(const nlohmann::json& spec);

}  // namespace anneal::nodes
