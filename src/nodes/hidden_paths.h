// nodes: `scope.hidden` — files an agent must not read (held-out samples, hidden tests), taken
// out of its worktree while it runs and put back, byte for byte, before anything measures it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "git/scope.h"
#include "util/error.h"

namespace anneal::nodes {

class HiddenPaths {
 public:
  /// Removes from `worktree` (clean at the candidate's parent) every file whose path matches
  /// one of `globs`, keeping its bytes, mode or link target. No globs: nothing to do.
  static Result<HiddenPaths> hide(const std::filesystem::path& worktree, const std::vector<std::string>& globs);

  /// Puts the hidden files back. A file the agent left at a path `globs` match (one it wrote
  /// where a hidden file was, or a new one) is removed first and returned as a violation:
  /// hidden paths are immutable.
  Result<std::vector<git::Violation>> restore() const;

  bool empty() const { return m_files.empty(); }

 private:
  struct File {
    std::string path;  ///< relative, '/'-separated
    std::string bytes;  ///< the content, or a symlink's target
    bool symlink = false;
    std::filesystem::perms perms = std::filesystem::perms::none;
  };
  /// The worktree's files (not under .git) that `m_globs` match, relative and '/'-separated.
  Result<std::vector<std::string>> matching() const;

  std::filesystem::path m_worktree;
  std::vector<std::string> m_globs;
  std::vector<File> m_files;
};

}  // namespace anneal::nodes
