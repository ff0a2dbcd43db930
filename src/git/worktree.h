#pragma once

#include <filesystem>
#include <string_view>

#include "git/repository.h"
#include "util/error.h"

namespace anneal::git {

/// Creates a linked worktree at `path` with a detached HEAD at `commit` (what
/// `git worktree add --detach` does: an admin directory .git/worktrees/<name>, a `.git` file
/// in `path`, a full checkout and its own index). No branch is created. `name` must be unique
/// among the repository's worktrees. An existing worktree at `path` is replaced.
Result<void> add_worktree(Repository& repo, const std::filesystem::path& path,
                          std::string_view name, std::string_view commit);

/// Removes the worktree at `path`: its files and its admin directory. A folder holding a
/// repository of its own (a `.git` folder) is refused, unless an admin directory of `repo`
/// names it or it lies inside `owned_dir` (a folder anneal owns, e.g. .anneal/worktrees/T):
/// then an agent replaced the worktree's `.git` (`rm -rf .git && git init`) and the folder
/// is anneal's to remove.
Result<void> remove_worktree(Repository& repo, const std::filesystem::path& path,
                             const std::filesystem::path& owned_dir = {});

/// Removes every worktree under `dir` (files and admin directories, also folders whose `.git`
/// an agent replaced with a repository), and the admin directories of any worktree whose
/// folder is gone — but not, for a minute, another folder's beside `dir` that may be being
/// made by a build running at the same time (git/worktree.cc). Returns how many were removed.
Result<int> prune_worktrees(Repository& repo, const std::filesystem::path& dir);

}  // namespace anneal::git
