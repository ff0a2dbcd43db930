// Deployment: a new best goes through a target's `deploy:` tiers in order; a tier with
// `approve: true` waits for a person (`anneal approve` / `anneal reject`). Every step is a
// record in the target's ledger (graph/deploy_record.h).
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/deploy_record.h"
#include "graph/ledger.h"
#include "graph/target_build.h"
#include "graph/workspace.h"
#include "util/error.h"

namespace anneal::graph {

/// Who hears of a deployment's steps.
struct DeployHooks {
  /// What to tell the user, one line each (a failed command's line holds "warning:").
  std::function<void(const std::string&)> note;
  /// Each step, as recorded in the ledger.
  std::function<void(const Target&, const nlohmann::json& step)> on_step;
};

/// After an experiment's `record` is in `ledger`: when it kept a new best (its commit is the
/// target's best) that has no deployment yet, runs the target's tiers in a worktree of the
/// candidate, one after another, until one fails or one waits for approval. A candidate
/// deployed before (a replayed experiment, a second build) is not deployed again. A failing
/// command is recorded and reported, never an error: only the ledger failing is.
Result<void> deploy_new_best(Workspace& workspace, const Target& target, const nlohmann::json& record,
                             Ledger& ledger, const DeployHooks& hooks);
/// The same, telling BuildOptions::on_note and on_deploy.
Result<void> deploy_new_best(Workspace& workspace, const Target& target, const nlohmann::json& record,
                             Ledger& ledger, const BuildOptions& options);

/// What `anneal approve` and `anneal reject` are asked.
struct DeployDecision {
  std::string key;   ///< the candidate: a prefix of its experiment's key or of its commit; empty:
                     ///< the newest candidate waiting
  std::string tier;  ///< empty: the tier the candidate waits at
  bool approve = true;
};

/// Records the decision with who made it (git's user.name and user.email) and, for an
/// approval, runs the tier's command and the tiers after it up to the next that waits.
/// Fails with what to do instead for an unknown key or tier, or a candidate that does not wait
/// there. Returns the candidate's deployment afterwards (its step says how the commands went).
Result<Deployment> decide_deployment(Workspace& workspace, const Target& target, const DeployDecision& decision,
                                     const DeployHooks& hooks);

/// Why `anneal apply` must not take `commit` of `target`: "" when it may (the target's last
/// tier does not wait for approval, or approved it), else the reason and the command that helps.
Result<std::string> apply_refusal(Workspace& workspace, const Target& target, const std::string& commit);

}  // namespace anneal::graph
