// git: where a checkout's git directories are, read from its `.git` without opening it.
#pragma once

#include <filesystem>

namespace anneal::git {

struct GitDirs {
  std::filesystem::path gitdir;  ///< the checkout's own git directory
  std::filesystem::path common;  ///< the repository's (the same for a main checkout)
};

/// The git directories of `checkout`: its `.git` folder, or where its `.git` file points
/// ("gitdir: …") and that directory's `commondir`. Empty paths when it has neither.
GitDirs git_dirs(const std::filesystem::path& checkout);

}  // namespace anneal::git
