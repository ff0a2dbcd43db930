// nodes: the guard window around one agent run — the repository guard (git/repo_guard.h),
// how far it reaches, and the lock that keeps an unsandboxed agent's window apart from others.
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

/// An agent that can write outside its worktree — a command agent without bubblewrap
/// (`sandbox: off`, or `auto` where it does not work), or a sandboxed one whose `writable:`
/// (or ANNEAL_SANDBOX_WRITABLE) reaches the repository — gets the whole guard, and holds the
/// repository-wide lock `.anneal/guard.lock` exclusively from before its snapshot to after its
/// restore: no snapshot is taken while another such agent could be changing what the guard
/// watches (the restore would put that change back after its own guard had removed it), and
/// each change is blamed on the agent that made it. Such agents of one repository run one at
/// a time. Every other agent (sandboxed, tune, api, carry) cannot write there: its guard
/// watches only the worktree's `.git`, takes no lock, and never puts back a change of the
/// user's own (a commit on their branch while the agent runs).
class AgentGuard {
 public:
  /// Takes the lock when needed (waiting for its holder), then the repository guard's
  /// snapshot. `agent`: the spec's "agent" object.
  static Result<AgentGuard> begin(NodeContext& context, const nlohmann::json& agent,
                                  const std::filesystem::path& worktree);

  /// After the agent: RepoGuard::restore (what the agent left in the user's checkout goes
  /// to `aside`); the lock is let go when the AgentGuard is.
  Result<std::vector<git::Breach>> end(const std::filesystem::path& aside) { return m_guard.restore(aside); }

  bool worktree_replaced() const { return m_guard.worktree_replaced(); }

 private:
  AgentGuard(git::RepoGuard guard, std::optional<proc::LockFile> lock)
      : m_lock(std::move(lock)), m_guard(std::move(guard)) {}
  std::optional<proc::LockFile> m_lock;
  git::RepoGuard m_guard;
};

/// Whether an agent with these settings can write outside its worktree on this machine
/// (see AgentGuard), for a repository whose checkout is `workdir` and git directory `common`.
bool reaches_repository(const nlohmann::json& agent, const std::filesystem::path& workdir,
                        const std::filesystem::path& common);

}  // namespace anneal::nodes
