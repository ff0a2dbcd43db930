#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "git/repository.h"
#include "util/error.h"

namespace anneal::git {

enum class ChangeKind { Added, Modified, Deleted };

/// A path that differs between a worktree and its HEAD commit.
struct Change {
  std::string path;  ///< relative to the worktree, '/'-separated
  ChangeKind kind = ChangeKind::Modified;
  bool symlink = false;  ///< the new entry is a symbolic link
};

/// What an agent changed in a worktree: every path whose content, mode or presence differs
/// from the worktree's HEAD commit. Untracked files count; ignored files do not. A change to
/// the worktree's `.git` file, or a `.git` entry anywhere below the top, is reported as a
/// change to that path so the scope check can block it. Sorted by path.
Result<std::vector<Change>> worktree_changes(const std::filesystem::path& worktree);

/// Writes the worktree's content (HEAD plus `changes`) as a tree into the repository's
/// object database and returns its id; the user's index is not touched.
Result<ObjectId> snapshot_tree(const std::filesystem::path& worktree,
                               const std::vector<Change>& changes);

}  // namespace anneal::git
