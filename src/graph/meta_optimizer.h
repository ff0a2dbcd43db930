// Meta-optimisation, the seed's two timescales of rewriting what the agent is told: the
// policy agent every N experiments (graph/policy_version.h) and, on a plateau, the
// instructions file itself. One object the build consults around each experiment.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "cache/local_store.h"
#include "git/repository.h"
#include "graph/agent_prompt.h"
#include "graph/annealfile.h"
#include "graph/llm_call.h"
#include "graph/policy_version.h"
#include "graph/workspace.h"
#include "util/error.h"

namespace anneal::graph {

class MetaOptimizer {
 public:
  MetaOptimizer(Workspace& workspace, const Target& target)
      : m_ws(workspace), m_policy(target, workspace.target_dir(target.name) / "policies") {}

  /// Starts over from the current generation's records (empty: a new generation).
  void replay(const std::vector<nlohmann::json>& generation) { m_policy.replay(generation); }
  /// Before a new experiment `id` is planned: rewrites what is due; the calls' cost is added
  /// to `position`.
  Result<void> prepare(int id, SearchPosition& position, git::Repository& repo, const CallHooks& hooks);
  /// What the next prompt says of them.
  void fill(PromptInput& input) const;
  /// Records in an experiment's record what it was given.
  void stamp(nlohmann::json& record) const { m_policy.stamp(record); }
  /// Adds an experiment's record once it is in the ledger.
  void add(const nlohmann::json& record) { m_policy.add(record); }

 private:
  Workspace& m_ws;
  PolicyVersions m_policy;
};

}  // namespace anneal::graph
