#include "nodes/hidden_paths.h"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include "util/file.h"

namespace anneal::nodes {

namespace fs = std::filesystem;

Result<std::vector<std::string>> HiddenPaths::matching() const {
  std::vector<std::string> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(m_worktree, fs::directory_options::none, ec), end;
  if (ec)
    return fail(fmt::format("cannot list the worktree {}: {}", m_worktree.string(), ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec)
      return fail(fmt::format("cannot list the worktree {}: {}", m_worktree.string(), ec.message()));
    std::string path = it->path().lexically_relative(m_worktree).generic_string();
    if (path == ".git" || path.starts_with(".git/")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(ec) && !it->is_symlink(ec))
      continue;
    if (std::any_of(m_globs.begin(), m_globs.end(), [&](const auto& g) { return git::glob_match(g, path); }))
      out.push_back(std::move(path));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<HiddenPaths> HiddenPaths::hide(const fs::path& worktree, const std::vector<std::string>& globs) {
  HiddenPaths hidden;
  hidden.m_worktree = worktree.lexically_normal();
  if (hidden.m_worktree.filename().empty())  // "/a/b/" names the same folder as "/a/b"
    hidden.m_worktree = hidden.m_worktree.parent_path();
  hidden.m_globs = globs;
  if (globs.empty())
    return hidden;
  auto paths = hidden.matching();
  if (!paths)
    return std::unexpected(paths.error());
  for (const auto& path : *paths) {
    fs::path full = worktree / path;
    File file;
    file.path = path;
    std::error_code ec;
    auto status = fs::symlink_status(full, ec);
    if (fs::is_symlink(status)) {
      file.symlink = true;
      file.bytes = fs::read_symlink(full, ec).string();
    } else {
      auto bytes = read_file(full);
      if (!bytes)
        return std::unexpected(bytes.error());
      file.bytes = std::move(*bytes);
      file.perms = status.permissions();
    }
    if (ec)
      return fail(fmt::format("cannot read hidden file {}: {}", full.string(), ec.message()));
    if (!fs::remove(full, ec) || ec)
      return fail(fmt::format("cannot take hidden file {} out of the worktree: {}", full.string(), ec.message()));
    hidden.m_files.push_back(std::move(file));
  }
  return hidden;
}

Result<std::vector<git::Violation>> HiddenPaths::restore() const {
  std::vector<git::Violation> violations;
  if (m_globs.empty())
    return violations;
  auto written = matching();
  if (!written)
    return std::unexpected(written.error());
  for (const auto& path : *written) {
    violations.push_back({path, "hidden (scope.hidden): the agent wrote it"});
    std::error_code ec;
    fs::remove(m_worktree / path, ec);
    if (ec)
      return fail(fmt::format("cannot remove {} from the worktree: {}", (m_worktree / path).string(), ec.message()));
  }
  for (const File& file : m_files) {
    fs::path full = m_worktree / file.path;
    std::error_code ec;
    // The agent may have put a file where a hidden folder was, or taken the folder away.
    for (fs::path dir = full.parent_path(); dir != m_worktree && dir != dir.parent_path(); dir = dir.parent_path())
      if (fs::exists(fs::symlink_status(dir, ec)) && !fs::is_directory(fs::symlink_status(dir, ec))) {
        violations.push_back({dir.lexically_relative(m_worktree).generic_string(),
                              "replaces a folder of hidden files (scope.hidden)"});
        fs::remove(dir, ec);
      }
    fs::create_directories(full.parent_path(), ec);
    if (ec)
      return fail(fmt::format("cannot put hidden file {} back: {}", full.string(), ec.message()));
    if (file.symlink) {
      fs::create_symlink(file.bytes, full, ec);
      if (ec)
        return fail(fmt::format("cannot put hidden link {} back: {}", full.string(), ec.message()));
      continue;
    }
    if (auto put = write_file_atomic(full, file.bytes, Durability::Unsynced); !put)
      return std::unexpected(put.error());
    fs::permissions(full, file.perms, ec);
    if (ec)
      return fail(fmt::format("cannot restore the mode of {}: {}", full.string(), ec.message()));
  }
  return violations;
}

}  // namespace anneal::nodes
