#include "cache/cache_gc.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <system_error>

#include <fmt/format.h>

#include "cache/entry.h"
#include "util/file.h"

namespace anneal::cache {

namespace fs = std::filesystem;

namespace {

enum class FileKind { Action, Blob, Temporary };

struct StoredFile {
  fs::path path;
  FileKind kind = FileKind::Action;
  Digest digest;  ///< entries only
  uint64_t size = 0;
  fs::file_time_type used;
};

/// A temporary file of write_file_atomic for an entry: "<32 hex>.tmp.<pid>.<n>".
bool is_temporary_name(std::string_view name) {
  return name.size() > 37 && Digest::from_hex(name.substr(0, 32)) && name.substr(32, 5) == ".tmp.";
}

/// Lists one area (ac or cas). Files that vanish while listed (a reader dropped a corrupt
/// entry, another gc ran) are skipped. Fails only when the area exists but cannot be read.
Result<void> list_area(const fs::path& area, FileKind kind, std::vector<StoredFile>& files) {
  std::error_code ec;
  fs::directory_iterator shards(area, ec);
  if (ec)
    return ec == std::errc::no_such_file_or_directory
               ? Result<void>{}
               : fail(fmt::format("cannot list {}: {}", area.string(), ec.message()));
  for (fs::directory_iterator end; shards != end; shards.increment(ec)) {
    if (ec)
      return fail(fmt::format("cannot list {}: {}", area.string(), ec.message()));
    std::error_code shard_ec;
    if (!shards->is_directory(shard_ec))
      continue;
    for (fs::directory_iterator file(shards->path(), shard_ec); !shard_ec && file != end;
         file.increment(shard_ec)) {
      std::string name = file->path().filename().string();
      StoredFile stored{file->path(), kind, {}, 0, {}};
      if (auto digest = Digest::from_hex(name))
        stored.digest = *digest;
      else if (is_temporary_name(name))
        stored.kind = FileKind::Temporary;
      else
        continue;
      std::error_code file_ec;
      if (!file->is_regular_file(file_ec))
        continue;
      stored.size = file->file_size(file_ec);
      if (file_ec)
        continue;
      stored.used = file->last_write_time(file_ec);
      if (file_ec)
        continue;
      files.push_back(std::move(stored));
    }
  }
  return {};
}

Result<std::vector<StoredFile>> list_store(const fs::path& root) {
  std::vector<StoredFile> files;
  if (auto listed = list_area(root / "ac", FileKind::Action, files); !listed)
    return std::unexpected(listed.error());
  if (auto listed = list_area(root / "cas", FileKind::Blob, files); !listed)
    return std::unexpected(listed.error());
  // Attempts of nodes that did not finish are action entries too: a node planned no more
  // (its configuration changed) leaves one behind, which gc ages out like any other.
  if (auto listed = list_area(root / "at", FileKind::Action, files); !listed)
    return std::unexpected(listed.error());
  return files;
}

void count(KindStats& stats, const StoredFile& file) {
  ++stats.entries;
  stats.bytes += file.size;
  if (!stats.oldest || file.used < *stats.oldest)
    stats.oldest = file.used;
  if (!stats.newest || file.used > *stats.newest)
    stats.newest = file.used;
}

/// Unlinks one file; true when it is gone (also when someone else removed it first).
bool remove_file(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
  return !ec;
}

/// The payload of a valid action (or attempt) entry, or nullopt when the file is unreadable or corrupt.
std::optional<std::string> action_payload(const fs::path& path) {
  auto bytes = read_file_if_exists(path);
  if (!bytes)
    return std::nullopt;
  auto entry = decode_entry(*bytes);
  if (!entry || (entry->kind != EntryKind::Action && entry->kind != EntryKind::Attempt))
    return std::nullopt;
  return std::move(entry->payload);
}

}  // namespace

CacheStats cache_stats(const fs::path& root) {
  CacheStats stats;
  auto files = list_store(root);
  if (!files)
    return stats;
  for (const auto& file : *files)
    count(file.kind == FileKind::Temporary ? stats.temporary
          : file.kind == FileKind::Action  ? stats.actions
                                           : stats.blobs,
          file);
  return stats;
}

Result<GcReport> collect_garbage(const fs::path& root, uint64_t max_bytes, const GcOptions& options) {
  auto listed = list_store(root);
  if (!listed)
    return std::unexpected(listed.error());
  const fs::file_time_type now = options.now();
  GcReport report;
  std::vector<StoredFile*> actions;
  std::map<Digest, StoredFile*> blobs;
  uint64_t total = 0;
  for (auto& file : *listed) {
    if (file.kind == FileKind::Temporary) {
      if (file.used < now - options.stale_temp_age && remove_file(file.path))
        ++report.removed_temporary;
      continue;
    }
    total += file.size;
    if (file.kind == FileKind::Action)
      actions.push_back(&file);
    else
      blobs[file.digest] = &file;
  }
  report.bytes_before = total;
  auto finish = [&] {
    report.bytes_after = total;
    report.kept_actions = actions.size() - report.removed_actions;
    report.kept_blobs = blobs.size() - report.removed_blobs;
    return report;
  };
  // The no-op case reads nothing but the listing.
  if (total <= max_bytes)
    return finish();

  auto evict = [&](StoredFile& file) {
    if (!remove_file(file.path))
      return;  // cannot be removed (permissions): it stays counted
    total -= file.size;
    ++(file.kind == FileKind::Action ? report.removed_actions : report.removed_blobs);
  };
  // How many remaining actions name each blob. A corrupt action is a miss for every reader
  // already: it goes first.
  std::map<Digest, int> named;
  std::map<const StoredFile*, std::vector<Digest>> names;
  std::vector<StoredFile*> units;
  for (StoredFile* action : actions) {
    auto payload = action_payload(action->path);
    if (!payload) {
      evict(*action);
      continue;
    }
    if (options.references) {
      for (const Digest& blob : options.references(*payload)) {
        if (!blobs.contains(blob))
          continue;
        auto& listed_names = names[action];
        if (std::find(listed_names.begin(), listed_names.end(), blob) != listed_names.end())
          continue;
        listed_names.push_back(blob);
        ++named[blob];
      }
    }
    units.push_back(action);
  }
  auto old_enough = [&](const StoredFile& blob) { return blob.used < now - options.orphan_grace; };
  for (auto& [digest, blob] : blobs)
    if (!named.contains(digest) && old_enough(*blob))
      units.push_back(blob);
  std::sort(units.begin(), units.end(), [](const StoredFile* a, const StoredFile* b) {
    return a->used != b->used ? a->used < b->used : a->path < b->path;
  });

  for (StoredFile* unit : units) {
    if (total <= max_bytes)
      break;
    evict(*unit);
    if (unit->kind != FileKind::Action)
      continue;
    // The action's blobs that no remaining action names go with it, unless a writer used
    // one since the listing (it stores the same bytes for a result on its way).
    for (const Digest& blob : names[unit]) {
      if (--named[blob] > 0)
        continue;
      StoredFile& file = *blobs.at(blob);
      std::error_code ec;
      if (fs::file_time_type used = fs::last_write_time(file.path, ec); !ec && used <= file.used)
        evict(file);
    }
  }
  return finish();
}

Result<uint64_t> parse_size(std::string_view text) {
  auto bad = [&] {
    return fail(fmt::format("'{}' is not a size: give bytes, or a number with k, M, G or T (powers of 1000) "
                            "or Ki, Mi, Gi, Ti (powers of 1024), e.g. 500M or 1.5G",
                            text));
  };
  std::string_view rest = text;
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front())))
    rest.remove_prefix(1);
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back())))
    rest.remove_suffix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value, std::chars_format::fixed);
  if (ec != std::errc() || end == rest.data() || !std::isfinite(value) || value < 0)
    return bad();
  std::string_view suffix(end, static_cast<size_t>(rest.data() + rest.size() - end));
  if (!suffix.empty() && (suffix.back() == 'B' || suffix.back() == 'b'))
    suffix.remove_suffix(1);
  double base = 1000;
  if (suffix.size() == 2 && suffix[1] == 'i') {
    base = 1024;
    suffix.remove_suffix(1);
  }
  double factor = 1;
  if (suffix.size() == 1) {
    const std::string_view units = "kmgt";
    size_t power = units.find(static_cast<char>(std::tolower(static_cast<unsigned char>(suffix[0]))));
    if (power == std::string_view::npos)
      return bad();
    factor = std::pow(base, static_cast<double>(power + 1));
  } else if (!suffix.empty()) {
    return bad();
  }
  double bytes = std::round(value * factor);
  if (bytes >= 18446744073709551615.0)
    return bad();
  return static_cast<uint64_t>(bytes);
}

std::string size_text(uint64_t bytes) {
  if (bytes < 1000)
    return fmt::format("{} B", bytes);
  const char* const units[] = {"kB", "MB", "GB", "TB", "PB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  for (value /= 1000; value >= 999.95 && unit + 1 < std::size(units); ++unit)
    value /= 1000;
  return fmt::format("{:.1f} {}", value, units[unit]);
}

}  // namespace anneal::cache
