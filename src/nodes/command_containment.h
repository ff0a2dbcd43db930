// nodes: where a user's command may reach — its sandbox and the secrets it is given.
#pragma once

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "nodes/node.h"
#include "proc/subprocess.h"
#include "util/error.h"

namespace anneal::nodes {

/// What a sandboxed command sees of the repository.
enum class CommandRole {
  /// A command agent: the user's checkout (uncommitted files, .anneal/ with the cache and
  /// the ledgers) is masked; only the repository's git directory (read-only), its own
  /// worktree and the files anneal hands it are there.
  Agent,
  /// Gates, stages, parse commands, judge.generate: the repository read-only.
  Check,
};

/// Where the command runs, and what else anneal hands it.
struct CommandPlace {
  std::filesystem::path worktree;
  std::vector<std::filesystem::path> writable;  ///< e.g. the agent's prompt and hypothesis folder
  std::vector<std::filesystem::path> readable;  ///< e.g. the judge's sample file
  /// An agent of a target with `scope.hidden`: no git directory in its view, since the
  /// repository's history holds the files it must not read (git commands fail there).
  bool hide_git = false;
};

/// Machine-wide paths every sandboxed command may write, colon-separated, like Bazel's
/// --sandbox_writable_path: not part of any node key (the system tests' scratch folder).
inline constexpr const char* k_sandbox_writable_env = "ANNEAL_SANDBOX_WRITABLE";

/// Sets `options.pass_env` and `options.sandbox` from the containment fields of `settings`
/// (graph/containment.h: a spec, its "agent" or its "generate") and this machine's probe.
/// `sandbox: on` where bubblewrap does not work fails, naming the reason; `auto` runs
/// unsandboxed (the build has warned).
Result<void> contain_command(const NodeContext& context, const nlohmann::json& settings, CommandRole role,
                             const CommandPlace& place, proc::RunOptions& options);

/// `path` with a leading `~` replaced by the user's home directory.
std::filesystem::path expand_home(const std::string& path);

}  // namespace anneal::nodes
