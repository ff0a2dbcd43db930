#include "git/git_dirs.h"

#include "util/file.h"

namespace anneal::git {

namespace fs = std::filesystem;

GitDirs git_dirs(const fs::path& checkout) {
  GitDirs dirs;
  fs::path dot_git = checkout / ".git";
  std::error_code ec;
  if (fs::is_directory(dot_git, ec)) {
    dirs.gitdir = dirs.common = dot_git;
    return dirs;
  }
  auto link = read_file_if_exists(dot_git);
  if (!link || !link->starts_with("gitdir: "))
    return dirs;
  fs::path gitdir = trim_line_end(link->substr(8));
  dirs.gitdir = gitdir.is_relative() ? checkout / gitdir : gitdir;
  dirs.common = dirs.gitdir;
  if (auto common = read_file_if_exists(dirs.gitdir / "commondir")) {
    fs::path c = trim_line_end(*common);
    dirs.common = (c.is_relative() ? dirs.gitdir / c : c).lexically_normal();
  }
  return dirs;
}

}  // namespace anneal::git
