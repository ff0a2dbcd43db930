#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cache/digest.h"
#include "util/error.h"

namespace anneal::cache {

// Layout under the store's root (.anneal/cache):
//
//   ac/XX/<32 hex>   action results, keyed by node key (XX = first two hex digits)
//   cas/XX/<32 hex>  blobs, keyed by the digest of their bytes
//   at/XX/<32 hex>   attempts: the last run of a node that could not do its work (a program
//                    not found, a signal, a timeout, a provider outage), keyed by node key
//
// Both are entries (entry.h), written to a temporary file and renamed into place. A hit
// sets the entry's mtime to now (unless it was set within the last hour), so mtimes order
// entries by last use, to the hour (for `anneal cache gc`).

/// What the store holds; temporary files of writers in flight are not counted.
struct StoreStats {
  uint64_t actions = 0;
  uint64_t blobs = 0;
  uint64_t bytes = 0;
};

class RemoteStore;

/// Where a lookup may look: LocalOnly skips the remote when the caller knows it just missed.
enum class Lookup { LocalAndRemote, LocalOnly };

/// The local cache: action results plus content-addressed blobs, optionally backed by a
/// shared remote cache.
class LocalStore {
 public:
  explicit LocalStore(std::filesystem::path root);

  /// Backs this store with `remote` (nullptr: none): a local miss is looked up there and a
  /// remote hit is stored locally; every put is also uploaded. The remote never turns a
  /// lookup or a put into an error.
  void set_remote(std::shared_ptr<RemoteStore> remote) { m_remote = std::move(remote); }
  const std::shared_ptr<RemoteStore>& remote() const { return m_remote; }

  /// The action result stored under `key`; nullopt on a miss. A corrupt entry is removed
  /// and reported as a miss, never as an error.
  std::optional<std::string> get_action(const Digest& key, Lookup lookup = Lookup::LocalAndRemote) const;
  /// Stores (or replaces) the action result for `key` atomically: readers, and writers in
  /// other processes, see one whole entry or the other, never a mix. Then uploads it. An
  /// attempt stored under `key` is removed: the node has done its work now.
  Result<void> put_action(const Digest& key, std::string_view payload);
  /// Stores the last attempt of a node that could not do its work. An attempt is what
  /// `anneal show` and the nodes after it read, never a hit (the node runs again) and never
  /// uploaded: a shared cache holds results, not outages.
  Result<void> put_attempt(const Digest& key, std::string_view payload);
  /// The last attempt stored under `key` (local only); nullopt when there is none.
  std::optional<std::string> get_attempt(const Digest& key) const;
  /// Where the action entry for `key` lives (also the ninja output of its node).
  std::filesystem::path action_path(const Digest& key) const;

  /// Stores `bytes` (a no-op when already present) and returns their digest; uploads them
  /// unless the remote already holds them.
  Result<Digest> put_blob(std::string_view bytes);
  /// The blob's bytes, verified against `digest`; nullopt when missing or corrupt.
  std::optional<std::string> get_blob(const Digest& digest) const;

  /// Counts entries and their bytes by walking the tree.
  StoreStats stats() const;
  const std::filesystem::path& root() const { return m_root; }

 private:
  std::filesystem::path m_root;
  std::shared_ptr<RemoteStore> m_remote;
};

}  // namespace anneal::cache
