// util: the bytes, kinds and permissions of a few paths, compared and put back later — what
// the repository guard (git/repo_guard.h) keeps of the files git obeys while an agent runs.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "util/error.h"

namespace anneal {

/// One path as it was: a file's bytes, a symlink's target, or a directory.
struct FileNode {
  enum class Kind { File, Symlink, Dir, Unreadable };
  Kind kind = Kind::File;
  std::filesystem::perms perms = std::filesystem::perms::none;
  std::string bytes;  ///< a file's contents, a symlink's target
  bool operator==(const FileNode&) const = default;
};

/// Absolute path → what was there. A path that is missing is not in the map.
using FileTree = std::map<std::filesystem::path, FileNode>;

/// Decides whether a path below a snapshot's root is left out (with everything under it);
/// it gets the path relative to the root.
using SkipPath = std::function<bool(const std::filesystem::path& relative)>;

/// Records `root` into `into`: a file or symlink (never followed), or a directory with
/// everything below it (symlinks inside are recorded, not followed). Nothing when missing.
void snapshot_path(const std::filesystem::path& root, FileTree& into, const SkipPath& skip = {});

/// The paths whose node differs between `before` and `after` (added, removed or changed),
/// sorted so that a directory comes before what it holds.
std::vector<std::filesystem::path> changed_paths(const FileTree& before, const FileTree& after);

/// Puts each of `paths` back as `before` has it: what `before` lacks is removed (deepest
/// first), the rest is recreated (parents first) with its bytes and permissions.
/// Unreadable nodes are left as they are. Fails naming the first path it could not restore.
Result<void> restore_paths(const FileTree& before, const std::vector<std::filesystem::path>& paths);

}  // namespace anneal
