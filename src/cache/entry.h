#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/error.h"

namespace anneal::cache {

// On-disk entry format, version 1 (all integers little-endian):
//
//   entry    := magic version kind size payload checksum
//   magic    := "ANNEALCE"                      8 bytes
//   version  := u32                             k_entry_version
//   kind     := u32                             EntryKind, never renumbered
//   size     := u64                             payload length in bytes
//   payload  := size bytes
//   checksum := XXH3-128 of everything before it, 16 bytes
//
// An entry that is short, has another magic or version, or fails its checksum is corrupt:
// readers treat it as a miss.

inline constexpr uint32_t k_entry_version = 1;

enum class EntryKind : uint32_t {
  Action = 1,  ///< a node's action result (JSON)
  Blob = 2,    ///< content-addressed bytes: stdout, stderr, patches
};

/// A decoded, checksum-verified entry.
struct Entry {
  EntryKind kind = EntryKind::Action;
  std::string payload;
};

/// The entry bytes for `payload`: header, payload, checksum.
std::string encode_entry(EntryKind kind, std::string_view payload);
/// Fails with the reason ("bad magic", "checksum mismatch", …) on a corrupt entry.
Result<Entry> decode_entry(std::string_view bytes);

}  // namespace anneal::cache
