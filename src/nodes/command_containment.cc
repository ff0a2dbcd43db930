#include "nodes/command_containment.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

#include "git/git_dirs.h"
#include "util/file.h"

namespace anneal::nodes {

namespace fs = std::filesystem;

namespace {

/// Whether `path` is `dir` or inside it (both absolute, lexically).
bool is_under(const fs::path& path, const fs::path& dir) {
  auto rel = path.lexically_normal().lexically_relative(dir.lexically_normal());
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

fs::path expand_home(const std::string& path) {
  if (path != "~" && !path.starts_with("~/"))
    return path;
  std::string home;
  if (const char* env = std::getenv("HOME"); env != nullptr && *env != '\0')
    home = env;
  else if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_dir != nullptr)
    home = pw->pw_dir;
  if (home.empty())
    return path;
  return path.size() <= 2 ? fs::path(home) : fs::path(home) / path.substr(2);
}

Result<void> contain_command(const NodeContext& context, const nlohmann::json& settings, CommandRole role,
                             const CommandPlace& place, proc::RunOptions& options) {
  options.inherit = proc::Inherit::WithoutSecrets;
  options.pass_env = settings.value("pass_env", std::vector<std::string>{});
  std::string mode = settings.value("sandbox", "auto");
  if (mode == "off")
    return {};
  const proc::SandboxProbe& probe = proc::sandbox_probe();
  if (!probe.available) {
    if (mode == "on")
      return fail(fmt::format("`sandbox: on`, but bubblewrap does not work here: {}", probe.reason));
    return {};
  }
  proc::SandboxOptions sandbox;
  sandbox.network = settings.value("network", true);
  fs::path repo_root = context.anneal_dir.parent_path();
  git::GitDirs git = git::git_dirs(place.worktree);
  // The git directories are read-only either way; bound again in case they sit under the
  // private /tmp or the mask.
  for (const fs::path& dir : {git.common, git.gitdir}) {
    if (dir.empty())
      continue;
    if (!place.hide_git)
      sandbox.readable.push_back(dir);
    else if (role != CommandRole::Agent || !is_under(dir, repo_root))  // the mask hides the rest
      sandbox.hidden.push_back(dir);
  }
  if (role == CommandRole::Agent)
    sandbox.mask = repo_root;
  else
    sandbox.readable.push_back(repo_root);
  sandbox.readable.insert(sandbox.readable.end(), place.readable.begin(), place.readable.end());
  sandbox.writable.push_back(place.worktree);
  sandbox.writable.insert(sandbox.writable.end(), place.writable.begin(), place.writable.end());
  for (const auto& path : settings.value("writable", std::vector<std::string>{})) {
    fs::path expanded = expand_home(path);
    if (expanded.is_absolute())
      sandbox.writable.push_back(expanded);
  }
  if (const char* machine = std::getenv(k_sandbox_writable_env)) {
    std::string_view rest(machine);
    while (!rest.empty()) {
      size_t colon = rest.find(':');
      fs::path path(rest.substr(0, colon));
      if (path.is_absolute())
        sandbox.writable.push_back(path);
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
  }
  options.sandbox = std::move(sandbox);
  return {};
}

}  // namespace anneal::nodes
