#include "graph/disk_check.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>

#include <fmt/format.h>

#include "cache/cache_gc.h"

namespace anneal::graph {

namespace fs = std::filesystem;

namespace {

uint64_t allocated(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return 0;
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

uint64_t tree_size(const fs::path& path) {
  uint64_t total = allocated(path);
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(path, ec)))
    return total;
  for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec))
    total += allocated(it->path());
  return total;
}

/// A threshold as it is likely written: "1 GiB", "512 MiB", else "1.5 GB".
std::string threshold_text(uint64_t bytes) {
  if (bytes % (uint64_t{1} << 30) == 0)
    return fmt::format("{} GiB", bytes >> 30);
  if (bytes % (uint64_t{1} << 20) == 0)
    return fmt::format("{} MiB", bytes >> 20);
  return cache::size_text(bytes);
}

}  // namespace

std::optional<uint64_t> free_bytes(const fs::path& path) {
  struct statvfs vfs {};
  if (::statvfs(path.c_str(), &vfs) != 0)
    return std::nullopt;
  return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

std::vector<DiskUse> disk_use(const fs::path& dir) {
  std::vector<DiskUse> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    out.push_back({it->path().filename().string(), tree_size(it->path())});
  std::sort(out.begin(), out.end(),
            [](const DiskUse& a, const DiskUse& b) { return a.bytes != b.bytes ? a.bytes > b.bytes : a.name < b.name; });
  return out;
}

Result<void> check_free_disk(const Workspace& workspace, uint64_t min_free, const std::string& target, int id) {
  if (min_free == 0)
    return {};
  auto free = free_bytes(workspace.anneal_dir());
  if (!free || *free >= min_free)
    return {};
  std::string uses;
  for (const DiskUse& use : disk_use(workspace.anneal_dir()))
    if (use.bytes > 0)
      uses += fmt::format("{}{} {}", uses.empty() ? "" : ", ", use.name, cache::size_text(use.bytes));
  return fail(fmt::format(
      "{}: stopped before experiment #{}, nothing of it written: only {} free on the file system of {} "
      "(safety.min_free_disk is {})\nwhat takes the space under .anneal/, largest first: {}\nfree some with "
      "`anneal cache gc --max-size SIZE` (the cache) or `anneal clean` (worktrees and build files), or lower "
      "safety.min_free_disk in the Annealfile",
      target, id, cache::size_text(*free), workspace.anneal_dir().string(), threshold_text(min_free),
      uses.empty() ? "nothing" : uses));
}

}  // namespace anneal::graph
