// nodes: the guard window around one agent run — the repository guard (git/repo_guard.h) and
// the lock that keeps an unsandboxed agent's window apart from every other agent's.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "git/repo_guard.h"
#include "nodes/node.h"
#include "proc/lock_file.h"
#include "util/error.h"

namespace anneal::nodes {

/// The repository-wide lock (`.anneal/guard.lock`): an agent that runs unsandboxed (a command
/// agent with `sandbox: off`, or `auto` where bubblewrap does not work) holds it exclusively
/// from before its snapshot to after its restore; every other agent (sandboxed, tune, api)
/// holds it shared. So no snapshot is taken while an unsandboxed agent could be changing what
/// the guard watches — a snapshot taken then would put the change back afterwards — and each
/// change is blamed on the agent that made it. Unsandboxed agents of one repository therefore
/// run one at a time; sandboxed ones, which cannot write there, still run side by side.
class AgentGuard {
 public:
  /// Takes the lock (waiting for the holders), then the repository guard's snapshot.
  /// `agent`: the spec's "agent" object.
  static Result<AgentGuard> begin(NodeContext& context, const nlohmann::json& agent,
                                  const std::filesystem::path& worktree);

  /// After the agent: RepoGuard::restore (what the agent left in the user's checkout goes
  /// to `aside`); the lock is let go when the AgentGuard is.
  Result<std::vector<git::Breach>> end(const std::filesystem::path& aside) { return m_guard.restore(aside); }

  bool worktree_replaced() const { return m_guard.worktree_replaced(); }

 private:
  AgentGuard(git::RepoGuard guard, std::optional<proc::LockFile> exclusive, std::optional<proc::SharedLock> shared)
      : m_exclusive(std::move(exclusive)), m_shared(std::move(shared)), m_guard(std::move(guard)) {}
  std::optional<proc::LockFile> m_exclusive;
  std::optional<proc::SharedLock> m_shared;
  git::RepoGuard m_guard;
};

/// Whether a command agent with these settings runs without bubblewrap on this machine.
bool runs_unsandboxed(const nlohmann::json& agent);

}  // namespace anneal::nodes
