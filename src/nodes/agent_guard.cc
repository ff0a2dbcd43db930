#include "nodes/agent_guard.h"

#include "proc/sandbox.h"

namespace anneal::nodes {

namespace fs = std::filesystem;

bool runs_unsandboxed(const nlohmann::json& agent) {
  if (agent.value("kind", "") != "command")
    return false;
  return agent.value("sandbox", "auto") == "off" || !proc::sandbox_probe().available;
}

Result<AgentGuard> AgentGuard::begin(NodeContext& context, const nlohmann::json& agent, const fs::path& worktree) {
  fs::path lock_path = context.anneal_dir / "guard.lock";
  std::optional<proc::LockFile> exclusive;
  std::optional<proc::SharedLock> shared;
  if (runs_unsandboxed(agent)) {
    auto lock = proc::LockFile::acquire(lock_path);
    if (!lock)
      return std::unexpected(lock.error());
    exclusive.emplace(std::move(*lock));
  } else {
    auto lock = proc::SharedLock::acquire(lock_path);
    if (!lock)
      return std::unexpected(lock.error());
    shared.emplace(std::move(*lock));
  }
  auto repo = context.repo();
  if (!repo)
    return std::unexpected(repo.error());
  auto guard = git::RepoGuard::take((*repo)->workdir(), (*repo)->git_dir(), worktree, {context.anneal_dir});
  if (!guard)
    return std::unexpected(guard.error());
  return AgentGuard(std::move(*guard), std::move(exclusive), std::move(shared));
}

}  // namespace anneal::nodes
