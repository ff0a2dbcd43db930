#include "nodes/agent_guard.h"

#include <cstdlib>
#include <string_view>

#include "nodes/command_containment.h"
#include "proc/sandbox.h"

namespace anneal::nodes {

namespace fs = std::filesystem;

namespace {

/// `inner` is `outer` or below it (both absolute, compared lexically).
bool within(const fs::path& inner, const fs::path& outer) {
  fs::path relative = inner.lexically_normal().lexically_relative(outer.lexically_normal());
  return !relative.empty() && *relative.begin() != "..";
}

}  // namespace

bool reaches_repository(const nlohmann::json& agent, const fs::path& workdir, const fs::path& common) {
  if (agent.value("kind", "") != "command")
    return false;  // anneal's own code, writing only into the worktree
  if (agent.value("sandbox", "auto") == "off" || !proc::sandbox_probe().available)
    return true;
  std::vector<fs::path> writable;
  for (const auto& path : agent.value("writable", std::vector<std::string>{}))
    writable.push_back(expand_home(path));
  if (const char* machine = std::getenv(k_sandbox_writable_env)) {
    std::string_view rest(machine);
    while (!rest.empty()) {
      size_t colon = rest.find(':');
      writable.emplace_back(rest.substr(0, colon));
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
  }
  for (const auto& path : writable) {
    if (!path.is_absolute())
      continue;
    for (const fs::path& repo : {workdir, common})
      if (within(repo, path) || within(path, repo))
        return true;
  }
  return false;
}

Result<AgentGuard> AgentGuard::begin(NodeContext& context, const nlohmann::json& agent, const fs::path& worktree) {
  auto repo = context.repo();
  if (!repo)
    return std::unexpected(repo.error());
  const fs::path& workdir = (*repo)->workdir();
  const fs::path& common = (*repo)->git_dir();
  bool reaches = reaches_repository(agent, workdir, common);
  std::optional<proc::LockFile> lock;
  if (reaches) {
    auto held = proc::LockFile::acquire(context.anneal_dir / "guard.lock");
    if (!held)
      return std::unexpected(held.error());
    lock.emplace(std::move(*held));
  }
  auto guard = git::RepoGuard::take(workdir, common, worktree, {context.anneal_dir},
                                    reaches ? git::RepoGuard::Reach::Everything : git::RepoGuard::Reach::WorktreeOnly);
  if (!guard)
    return std::unexpected(guard.error());
  return AgentGuard(std::move(*guard), std::move(lock));
}

}  // namespace anneal::nodes
