#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cache/digest.h"
#include "util/error.h"

namespace anneal::cache {

// On-disk entry format, version 2 (all integers little-endian):
//
//   entry    := magic version kind key size payload checksum
//   magic    := "ANNEALCE"                      8 bytes
//   version  := u32                             k_entry_version
//   kind     := u32                             EntryKind, never renumbered
//   key      := 16 bytes                        the node key (action) or the content digest
//                                               (blob) the entry is stored under
//   size     := u64                             payload length in bytes
//   payload  := size bytes
//   checksum := XXH3-128 of everything before it, 16 bytes
//
// Version 1 is the same without `key`. An entry that is short, has another magic or
// version, or fails its checksum is corrupt: readers treat it as a miss. The key binds an
// entry to its name: a valid entry read under another key (a remote serving one node's
// result for another's, a file copied by hand) is a miss too. Version 1 entries carry no
// key; they are still read from the local cache (written there by this machine), never
// from a remote.

inline constexpr uint32_t k_entry_version = 2;

enum class EntryKind : uint32_t {
  Action = 1,  ///< a node's action result (JSON)
  Blob = 2,    ///< content-addressed bytes: stdout, stderr, patches
  Attempt = 3,  ///< the last attempt of a node that could not do its work (JSON; local only)
};

/// A decoded, checksum-verified entry.
struct Entry {
  EntryKind kind = EntryKind::Action;
  /// The key the entry was written under; nullopt for a version 1 entry.
  std::optional<Digest> key;
  std::string payload;

  /// True when the entry is of `kind` and bound to `expected` (a version 1 entry only when
  /// `legacy` allows it).
  bool is(EntryKind expected_kind, const Digest& expected, bool legacy) const {
    return kind == expected_kind && (key ? *key == expected : legacy);
  }
};

/// The entry bytes for `payload` stored under `key`: header, payload, checksum.
std::string encode_entry(EntryKind kind, const Digest& key, std::string_view payload);
/// Fails with the reason ("bad magic", "checksum mismatch", …) on a corrupt entry.
Result<Entry> decode_entry(std::string_view bytes);

}  // namespace anneal::cache
