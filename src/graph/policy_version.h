// The policy agent (`policy: {agent: NAME, every: N}`): the mutation instructions the agent
// is given (the "## How to work" section of its prompt), rewritten by an LLM every N
// experiments from how they went, with each version's reward tracked and a version that does
// worse than the one before it rolled back.
//
// Windows. Experiments 1..N form window 0, N+1..2N window 1, and so on. Window 0 uses
// version 0, the built-in k_default_policy. Before the first experiment of window w ≥ 1:
//   - when window w-1 used a version new in it ("rewritten") and its reward is below window
//     w-2's, that version is rolled back: window w uses window w-2's ("rolled_back");
//   - otherwise the policy agent rewrites window w-1's text into a new version ("rewritten").
//     A call that cannot run (budget) or fails leaves the text as it was ("kept").
// A window's reward is its improvements per experiment: the share of its finished
// experiments that made a new best.
//
// Ledger (ledger.h): every experiment record of a target with a policy carries
//   "policy": {"version": V, "digest": HEX, "window": W,
//              "event": "initial"|"rewritten"|"rolled_back"|"kept",
//              "from": V'}   (rewritten, kept: the version written from; rolled_back: the one dropped)
// Texts: .anneal/targets/NAME/policies/HEX.md, HEX the text's digest (content-addressed,
// written once). The call is an llm node (purpose "policy"), so a replay asks nothing again.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/local_store.h"
#include "graph/annealfile.h"
#include "graph/llm_call.h"
#include "util/error.h"

namespace anneal::graph {

/// Version 0 of every policy.
extern const std::string_view k_default_policy;

class PolicyVersions {
 public:
  /// `dir` holds the texts (Workspace::target_dir(NAME) / "policies").
  PolicyVersions(const Target& target, std::filesystem::path dir) : m_target(target), m_dir(std::move(dir)) {}

  /// Starts over from the records of the current generation (empty: a new one).
  void replay(const std::vector<nlohmann::json>& generation);
  /// Adds a finished or unfinished attempt (a ledger record).
  void add(const nlohmann::json& record);

  /// Before experiment `id` (> 0) is planned: decides its window's version when `id` is the
  /// first of a window not decided yet (rewrite, rollback), running the policy agent through
  /// `hooks`. Returns what the call cost.
  Result<double> prepare(int id, const cache::LocalStore& store, const CallHooks& hooks);

  /// The policy's call before experiment `id` rewriting `text` (exposed for tests).
  PlannedNode rewrite_call(int id, const std::string& text, int version) const;

  /// The current version's text and label ("v2"); nullopt without a policy.
  std::optional<std::string> text() const;
  std::string label() const;
  /// Sets the record's "policy" (its window's version), for a target with a policy.
  void stamp(nlohmann::json& record) const;

 private:
  struct Window {
    int version = 0;
    std::string digest;
    std::string event;
    int from = -1;
  };
  /// The window experiment `id` belongs to.
  int window_of(int id) const { return (id - 1) / m_target.policy->every; }
  /// Improvements per finished experiment of window `w`; nullopt when none finished.
  std::optional<double> reward(int w) const;
  /// Keeps `text` in memory and on disk; returns its digest.
  std::string keep(const std::string& text);
  const std::string& text_of(const Window& window) const;

  const Target& m_target;
  std::filesystem::path m_dir;
  std::map<int, Window> m_windows;            ///< decided windows
  std::map<std::string, std::string> m_texts;  ///< digest → text
  std::map<int, nlohmann::json> m_latest;      ///< id → latest attempt
  int m_current = -1;                          ///< the window of the latest experiment planned or recorded
  int m_next_version = 1;
};

}  // namespace anneal::graph
