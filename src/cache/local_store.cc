#include "cache/local_store.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <system_error>
#include <utility>

#include "cache/entry.h"
#include "cache/remote_store.h"
#include "util/file.h"

namespace anneal::cache {

namespace fs = std::filesystem;

namespace {

fs::path sharded_path(const fs::path& root, std::string_view area, const Digest& digest) {
  std::string hex = digest.hex();
  return root / area / hex.substr(0, 2) / hex;
}

/// An entry used this recently is not marked again: gc orders entries by last use, and an
/// hour's precision spares a replay a metadata write per hit.
constexpr std::chrono::seconds k_mark_used_after{3600};

/// An entry file's bytes and whether it was last marked used over k_mark_used_after ago;
/// nullopt when it cannot be read.
struct EntryFile {
  std::string bytes;
  bool stale_mark = false;
};

std::optional<EntryFile> read_entry_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  struct stat st {};
  std::optional<EntryFile> file;
  if (::fstat(fd, &st) == 0) {
    file.emplace();
    file->stale_mark = std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(st.st_mtime) >
                       k_mark_used_after;
    // Entries are renamed into place whole, so the size read here is the size to read.
    file->bytes.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < file->bytes.size()) {
      ssize_t n = ::read(fd, file->bytes.data() + got, file->bytes.size() - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      got += static_cast<size_t>(n);
    }
    file->bytes.resize(got);  // a short read is a corrupt entry, dropped below
  }
  ::close(fd);
  return file;
}

/// Sets the entry's mtime to now: gc removes the least recently used entries first. A store
/// on a read-only file system still serves hits, so a failure is ignored.
void mark_used(const fs::path& path) {
  ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
}

/// The payload of the entry at `path` when it is a valid entry of `kind` bound to `key` (or
/// a keyless version 1 entry this machine wrote), marked as used. Anything else that exists
/// there is corrupt and removed, so the next writer starts clean.
std::optional<std::string> read_entry(const fs::path& path, EntryKind kind, const Digest& key) {
  std::optional<EntryFile> file = read_entry_file(path);
  if (!file)
    return std::nullopt;
  Result<Entry> entry = decode_entry(file->bytes);
  if (!entry || !entry->is(kind, key, /*legacy=*/true)) {
    std::error_code ignored;
    fs::remove(path, ignored);
    return std::nullopt;
  }
  if (file->stale_mark)
    mark_used(path);
  return std::move(entry->payload);
}

/// Keeps a remote hit locally. A copy that cannot be written only costs the next lookup a
/// download.
void keep_local(const fs::path& path, EntryKind kind, const Digest& key, std::string_view payload) {
  (void)write_file_atomic(path, encode_entry(kind, key, payload), Durability::Unsynced);
}

struct Tally {
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

/// Counts the entries of one area (ac or cas). Temporary files of writers in flight or of
/// writers that died are not entries: their names are not bare digests.
Tally tally_area(const fs::path& area) {
  Tally tally;
  std::error_code ec;
  for (fs::directory_iterator shard(area, ec), end; !ec && shard != end; shard.increment(ec)) {
    std::error_code shard_ec;
    if (!shard->is_directory(shard_ec))
      continue;
    for (fs::directory_iterator file(shard->path(), shard_ec);
         !shard_ec && file != end; file.increment(shard_ec)) {
      if (!Digest::from_hex(file->path().filename().string()))
        continue;
      std::error_code file_ec;
      if (!file->is_regular_file(file_ec))
        continue;
      uint64_t size = file->file_size(file_ec);
      if (file_ec)
        continue;  // removed by a concurrent reader since it was listed
      ++tally.entries;
      tally.bytes += size;
    }
  }
  return tally;
}

}  // namespace

LocalStore::LocalStore(fs::path root) : m_root(std::move(root)) {}

fs::path LocalStore::action_path(const Digest& key) const {
  return sharded_path(m_root, "ac", key);
}

std::optional<std::string> LocalStore::get_action(const Digest& key, Lookup lookup) const {
  fs::path path = action_path(key);
  if (std::optional<std::string> payload = read_entry(path, EntryKind::Action, key))
    return payload;
  if (!m_remote || lookup == Lookup::LocalOnly)
    return std::nullopt;
  std::optional<std::string> payload = m_remote->get_action(key);
  if (payload)
    keep_local(path, EntryKind::Action, key, *payload);
  return payload;
}

Result<void> LocalStore::put_action(const Digest& key, std::string_view payload) {
  if (Result<void> written = write_file_atomic(action_path(key), encode_entry(EntryKind::Action, key, payload),
                                               Durability::Unsynced);
      !written)
    return written;
  std::error_code ignored;
  fs::remove(sharded_path(m_root, "at", key), ignored);
  if (m_remote)
    m_remote->put_action(key, payload);
  return {};
}

Result<void> LocalStore::put_attempt(const Digest& key, std::string_view payload) {
  return write_file_atomic(sharded_path(m_root, "at", key), encode_entry(EntryKind::Attempt, key, payload),
                           Durability::Unsynced);
}

std::optional<std::string> LocalStore::get_attempt(const Digest& key) const {
  return read_entry(sharded_path(m_root, "at", key), EntryKind::Attempt, key);
}

Result<Digest> LocalStore::put_blob(std::string_view bytes) {
  Digest digest = digest_of(bytes);
  fs::path path = sharded_path(m_root, "cas", digest);
  // Content addressing makes an existing valid blob the same bytes: skip the write.
  std::optional<std::string> existing = read_entry(path, EntryKind::Blob, digest);
  if (!existing || *existing != bytes) {
    if (Result<void> written = write_file_atomic(path, encode_entry(EntryKind::Blob, digest, bytes), Durability::Unsynced);
        !written)
      return std::unexpected(std::move(written.error()));
  }
  // Also when it was here already: it may predate the remote.
  if (m_remote)
    m_remote->put_blob(digest, bytes);
  return digest;
}

std::optional<std::string> LocalStore::get_blob(const Digest& digest) const {
  fs::path path = sharded_path(m_root, "cas", digest);
  std::optional<std::string> bytes = read_entry(path, EntryKind::Blob, digest);
  // A valid entry under the wrong name (copied or renamed by hand) is as wrong as a corrupt one.
  if (bytes && digest_of(*bytes) != digest) {
    std::error_code ignored;
    fs::remove(path, ignored);
    bytes.reset();
  }
  if (bytes)
    return bytes;
  if (!m_remote)
    return std::nullopt;
  bytes = m_remote->get_blob(digest);
  if (bytes)
    keep_local(path, EntryKind::Blob, digest, *bytes);
  return bytes;
}

StoreStats LocalStore::stats() const {
  Tally actions = tally_area(m_root / "ac");
  Tally blobs = tally_area(m_root / "cas");
  return StoreStats{actions.entries, blobs.entries, actions.bytes + blobs.bytes};
}

}  // namespace anneal::cache
