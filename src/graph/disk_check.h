// Room on the disk before an experiment: on a full file system a build would leave cache
// entries, worktrees and ledger lines half-written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "graph/workspace.h"
#include "util/error.h"

namespace anneal::graph {

/// What one entry directly under a folder takes on the disk (allocated blocks, recursively).
struct DiskUse {
  std::string name;
  uint64_t bytes = 0;
};

/// The bytes an unprivileged process may still write on the file system holding `path`
/// (statvfs's f_bavail); nullopt when the system does not say.
std::optional<uint64_t> free_bytes(const std::filesystem::path& path);

/// What each entry directly under `dir` takes, largest first (symbolic links not followed).
std::vector<DiskUse> disk_use(const std::filesystem::path& dir);

/// Fails before experiment `id` of `target` starts when .anneal/'s file system has less than
/// `min_free` bytes free (safety.min_free_disk; 0 checks nothing). The message says how much
/// is free, what takes the space under .anneal/ and how to free some (`anneal cache gc`).
Result<void> check_free_disk(const Workspace& workspace, uint64_t min_free, const std::string& target, int id);

}  // namespace anneal::graph
