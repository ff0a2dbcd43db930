// cache: digests, the entry format, the local store and the remote store it falls back to
// over HTTP — bytes and digests only, nothing project-specific.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace anneal::cache {

/// A 128-bit XXH3 digest: node keys and blob addresses.
struct Digest {
  std::array<uint8_t, 16> bytes{};

  /// 32 lowercase hex characters.
  std::string hex() const;
  /// Parses exactly 32 hex characters (either case).
  static std::optional<Digest> from_hex(std::string_view hex);

  auto operator<=>(const Digest&) const = default;
};

/// XXH3-128 of `salt` followed by `bytes`; the salt versions what is being hashed, so a
/// format change yields new keys instead of misread old ones.
Digest digest_of(std::string_view bytes, std::string_view salt = {});

}  // namespace anneal::cache
