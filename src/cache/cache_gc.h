#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/digest.h"
#include "util/error.h"

namespace anneal::cache {

// Eviction for the local store (layout in local_store.h). Every hit sets an entry's mtime to
// now, so mtime is the time of last use and the oldest entries go first.
//
// An action result and the blobs it names (its stdout, patch, …) are one unit: a blob is
// removed only once no remaining action names it, so a result is never left pointing at a
// missing blob. Which blobs an action names is the caller's knowledge (the payload's format
// belongs to the node layer), given as GcOptions::references; without it, every blob is a
// unit of its own. A blob that no action names is still a unit, ordered by its own mtime, but
// only once it is older than `orphan_grace`: a node writes its blobs before its result, so a
// young unnamed blob may belong to a writer in flight. For the same reason a blob freed by an
// evicted action stays when its mtime moved since the listing. Temporary files (`<entry>.tmp.<pid>.<n>`,
// see write_file_atomic) are writers in flight and left alone, unless older than
// `stale_temp_age` (their writer died).

/// Entries of one kind in the store.
struct KindStats {
  uint64_t entries = 0;
  uint64_t bytes = 0;
  /// Last use of the least and most recently used entry (unset when there are none).
  std::optional<std::filesystem::file_time_type> oldest, newest;
};

/// What the store holds, by kind.
struct CacheStats {
  KindStats actions;
  KindStats blobs;
  KindStats temporary;  ///< files of writers in flight (or dead ones)
  uint64_t bytes() const { return actions.bytes + blobs.bytes; }
};

/// Counts the store's entries by walking it. A missing store is empty.
CacheStats cache_stats(const std::filesystem::path& root);

/// What collect_garbage did.
struct GcReport {
  uint64_t bytes_before = 0;  ///< entries only, as CacheStats::bytes
  uint64_t bytes_after = 0;
  uint64_t removed_actions = 0;
  uint64_t removed_blobs = 0;
  uint64_t removed_temporary = 0;  ///< stale temporary files of dead writers
  uint64_t kept_actions = 0;
  uint64_t kept_blobs = 0;
};

struct GcOptions {
  /// The blobs an action's payload names; null: none (every blob stands alone).
  std::function<std::vector<Digest>(std::string_view payload)> references;
  std::chrono::seconds orphan_grace{3600};
  std::chrono::seconds stale_temp_age{24 * 3600};
  /// The clock (tests move it).
  std::function<std::filesystem::file_time_type()> now = [] { return std::filesystem::file_time_type::clock::now(); };
};

/// Removes the least recently used units until the store's entries take at most `max_bytes`.
/// Each entry is one file removed with one unlink, so readers see it whole or not at all.
/// Fails only when the store exists but cannot be listed.
Result<GcReport> collect_garbage(const std::filesystem::path& root, uint64_t max_bytes,
                                 const GcOptions& options = {});

/// Parses a size: plain bytes ("1048576"), or a number with a suffix k, M, G, T (powers of
/// 1000) or Ki, Mi, Gi, Ti (powers of 1024), optionally followed by "B": "500M", "1.5G".
Result<uint64_t> parse_size(std::string_view text);

/// A size for people: "512 B", "1.5 MB", "2.0 GB" (powers of 1000, like parse_size's k/M/G).
std::string size_text(uint64_t bytes);

}  // namespace anneal::cache
