#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "git/repository.h"
#include "util/error.h"

namespace anneal::git {

/// The commit a worktree's HEAD points at, or nullopt when `worktree` is not a usable
/// worktree (missing, no `.git` file, broken admin directory).
std::optional<ObjectId> worktree_head(const std::filesystem::path& worktree);

/// Points the worktree's detached HEAD at `commit` and resets its index to that commit's
/// tree, leaving the files alone (`git reset --mixed`): after a mutation is committed, the
/// worktree is a clean checkout of the candidate.
Result<void> move_worktree_head(const std::filesystem::path& worktree, std::string_view commit);

/// Makes an existing worktree a clean checkout of `commit` (`git reset --hard` plus
/// `git clean -fdx`): a worktree is reused from one candidate to the next, and only the files
/// that differ are rewritten.
Result<void> reset_worktree(const std::filesystem::path& worktree, std::string_view commit);

}  // namespace anneal::git
