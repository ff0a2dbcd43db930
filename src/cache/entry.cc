#include "cache/entry.h"

#include <xxhash.h>

#include <fmt/format.h>

#include <cstring>

namespace anneal::cache {

namespace {

constexpr std::string_view k_magic = "ANNEALCE";
constexpr size_t k_key_size = 16;
constexpr size_t k_header_size_v1 = 8 + 4 + 4 + 8;
constexpr size_t k_header_size = 8 + 4 + 4 + k_key_size + 8;
constexpr size_t k_checksum_size = 16;

void append_le(std::string& out, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i)
    out.push_back(static_cast<char>(value >> (8 * i) & 0xff));
}

uint64_t read_le(std::string_view bytes, size_t offset, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i)
    value |= uint64_t{static_cast<unsigned char>(bytes[offset + i])} << (8 * i);
  return value;
}

XXH128_canonical_t checksum_of(std::string_view bytes) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(bytes.data(), bytes.size()));
  return canonical;
}

}  // namespace

std::string encode_entry(EntryKind kind, const Digest& key, std::string_view payload) {
  std::string out;
  out.reserve(k_header_size + payload.size() + k_checksum_size);
  out.append(k_magic);
  append_le(out, k_entry_version, 4);
  append_le(out, static_cast<uint32_t>(kind), 4);
  out.append(reinterpret_cast<const char*>(key.bytes.data()), key.bytes.size());
  append_le(out, payload.size(), 8);
  out.append(payload);
  XXH128_canonical_t checksum = checksum_of(out);
  out.append(reinterpret_cast<const char*>(checksum.digest), sizeof checksum.digest);
  return out;
}

Result<Entry> decode_entry(std::string_view bytes) {
  if (bytes.size() < 16)
    return fail(fmt::format("too short: {} bytes, an entry has at least {}", bytes.size(),
                            k_header_size + k_checksum_size));
  if (bytes.substr(0, k_magic.size()) != k_magic)
    return fail("bad magic: not an anneal cache entry");
  uint64_t version = read_le(bytes, 8, 4);
  if (version != k_entry_version && version != 1)
    return fail(fmt::format("unsupported version {} (this build reads versions 1 and {})", version,
                            k_entry_version));
  const size_t header_size = version == 1 ? k_header_size_v1 : k_header_size;
  const size_t k_min_size = header_size + k_checksum_size;
  if (bytes.size() < k_min_size)
    return fail(fmt::format("too short: {} bytes, an entry has at least {}", bytes.size(),
                            k_min_size));
  uint64_t kind = read_le(bytes, 12, 4);
  std::optional<Digest> key;
  if (version != 1) {
    key.emplace();
    std::memcpy(key->bytes.data(), bytes.data() + 16, k_key_size);
  }
  uint64_t size = read_le(bytes, header_size - 8, 8);
  // Compared against what is left rather than summed, so a huge size cannot overflow.
  uint64_t available = bytes.size() - k_min_size;
  if (size > available)
    return fail(fmt::format("truncated: header declares {} payload bytes, only {} present", size,
                            available));
  if (size < available)
    return fail(fmt::format("trailing bytes: {} after the checksum", available - size));
  std::string_view covered = bytes.substr(0, header_size + size);
  XXH128_canonical_t expected = checksum_of(covered);
  if (std::memcmp(expected.digest, bytes.data() + covered.size(), k_checksum_size) != 0)
    return fail("checksum mismatch: the entry is corrupt");
  if (kind != static_cast<uint32_t>(EntryKind::Action) && kind != static_cast<uint32_t>(EntryKind::Blob) &&
      kind != static_cast<uint32_t>(EntryKind::Attempt))
    return fail(fmt::format("unknown kind {}", kind));
  return Entry{static_cast<EntryKind>(kind), key, std::string(bytes.substr(header_size, size))};
}

}  // namespace anneal::cache
