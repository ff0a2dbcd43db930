// Which processes work in a repository: what a test checks is gone after a build, and kills.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace anneal::system_test {

/// Processes whose working directory is inside `dir`: a build, its ninja, nodes and commands.
inline std::vector<int> processes_inside(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::string root = fs::canonical(dir).string();
  std::vector<int> found;
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    std::error_code link_ec;
    std::string cwd = fs::read_symlink(it->path() / "cwd", link_ec).string();
    if (!link_ec && (cwd == root || cwd.starts_with(root + "/")))
      found.push_back(std::stoi(name));
  }
  return found;
}

}  // namespace anneal::system_test
