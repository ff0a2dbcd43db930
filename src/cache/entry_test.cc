#include "cache/entry.h"

#include <xxhash.h>

#include <catch2/catch.hpp>

using anneal::cache::decode_entry;
using anneal::cache::encode_entry;
using anneal::cache::EntryKind;
using anneal::cache::Digest;
using anneal::cache::digest_of;

namespace {

const Digest k_key = digest_of("a node spec");

/// The error message of a decode that must fail.
std::string decode_error(std::string_view bytes) {
  auto decoded = decode_entry(bytes);
  REQUIRE_FALSE(decoded);
  return decoded.error().message;
}

/// Replaces the trailing checksum with a correct one, so a test can reach the checks after it.
void reseal(std::string& entry) {
  entry.resize(entry.size() - 16);
  XXH128_canonical_t sum;
  XXH128_canonicalFromHash(&sum, XXH3_128bits(entry.data(), entry.size()));
  entry.append(reinterpret_cast<const char*>(sum.digest), 16);
}

}  // namespace

TEST_CASE("entries round trip", "[cache]") {
  std::string payload;
  SECTION("json text") { payload = R"({"outcome":"kept","score":41.5})"; }
  SECTION("empty") { payload = ""; }
  SECTION("binary with NULs") { payload = std::string("\0\x01\xff\0", 4); }
  SECTION("large") { payload = std::string(1 << 20, 'x'); }

  for (EntryKind kind : {EntryKind::Action, EntryKind::Blob}) {
    auto decoded = decode_entry(encode_entry(kind, k_key, payload));
    REQUIRE(decoded);
    CHECK(decoded->kind == kind);
    CHECK(decoded->key == k_key);
    CHECK(decoded->payload == payload);
  }
}

TEST_CASE("the encoding follows the documented layout", "[cache]") {
  std::string entry = encode_entry(EntryKind::Blob, k_key, "abc");
  REQUIRE(entry.size() == 8 + 4 + 4 + 16 + 8 + 3 + 16);
  CHECK(entry.substr(0, 8) == "ANNEALCE");
  CHECK(entry.substr(8, 4) == std::string("\x02\0\0\0", 4));          // version 2, LE
  CHECK(entry.substr(12, 4) == std::string("\x02\0\0\0", 4));         // Blob = 2, LE
  CHECK(entry.substr(16, 16) == std::string(reinterpret_cast<const char*>(k_key.bytes.data()), 16));
  CHECK(entry.substr(32, 8) == std::string("\x03\0\0\0\0\0\0\0", 8)); // size 3, LE
  CHECK(entry.substr(40, 3) == "abc");
  XXH128_canonical_t sum;
  XXH128_canonicalFromHash(&sum, XXH3_128bits(entry.data(), 43));
  CHECK(entry.substr(43) == std::string(reinterpret_cast<const char*>(sum.digest), 16));
}

TEST_CASE("an entry is bound to the key it was written under", "[cache]") {
  auto decoded = decode_entry(encode_entry(EntryKind::Action, k_key, "{}"));
  REQUIRE(decoded);
  CHECK(decoded->is(EntryKind::Action, k_key, false));
  CHECK_FALSE(decoded->is(EntryKind::Action, digest_of("another node"), true));
  CHECK_FALSE(decoded->is(EntryKind::Blob, k_key, true));
}

TEST_CASE("version 1 entries (no key) still decode, bound to nothing", "[cache]") {
  // version 1: magic, version, kind, size, payload, checksum.
  std::string v1 = "ANNEALCE";
  v1 += std::string("\x01\0\0\0", 4) + std::string("\x01\0\0\0", 4) + std::string("\x02\0\0\0\0\0\0\0", 8) + "{}";
  v1 += std::string(16, '\0');
  reseal(v1);
  auto decoded = decode_entry(v1);
  REQUIRE(decoded);
  CHECK_FALSE(decoded->key);
  CHECK(decoded->payload == "{}");
  CHECK(decoded->is(EntryKind::Action, k_key, /*legacy=*/true));   // the local cache's own
  CHECK_FALSE(decoded->is(EntryKind::Action, k_key, /*legacy=*/false));  // never a remote's
}

TEST_CASE("corrupt entries are rejected with the reason", "[cache]") {
  const std::string good = encode_entry(EntryKind::Action, k_key, "payload bytes");

  SECTION("too short") {
    CHECK(decode_error("") == "too short: 0 bytes, an entry has at least 56");
    CHECK(decode_error(good.substr(0, 55)) == "too short: 55 bytes, an entry has at least 56");
  }
  SECTION("bad magic") {
    std::string bad = good;
    bad[0] = 'X';
    CHECK(decode_error(bad) == "bad magic: not an anneal cache entry");
  }
  SECTION("unsupported version") {
    std::string bad = good;
    bad[8] = 3;
    CHECK(decode_error(bad) == "unsupported version 3 (this build reads versions 1 and 2)");
  }
  SECTION("truncated") {
    CHECK(decode_error(good.substr(0, good.size() - 1)) ==
          "truncated: header declares 13 payload bytes, only 12 present");
  }
  SECTION("a size near 2^64 does not overflow") {
    std::string bad = good;
    for (size_t i = 32; i < 40; ++i)
      bad[i] = '\xff';
    CHECK(decode_error(bad) ==
          "truncated: header declares 18446744073709551615 payload bytes, only 13 present");
  }
  SECTION("trailing bytes") {
    CHECK(decode_error(good + "zz") == "trailing bytes: 2 after the checksum");
  }
  SECTION("flipped payload byte") {
    std::string bad = good;
    bad[40] ^= 0x20;
    CHECK(decode_error(bad) == "checksum mismatch: the entry is corrupt");
  }
  SECTION("flipped checksum byte") {
    std::string bad = good;
    bad.back() ^= 0x01;
    CHECK(decode_error(bad) == "checksum mismatch: the entry is corrupt");
  }
  SECTION("unknown kind, even with a valid checksum") {
    std::string bad = good;
    bad[12] = 7;
    reseal(bad);
    CHECK(decode_error(bad) == "unknown kind 7");
  }
}

TEST_CASE("every single-byte change and every truncation is detected", "[cache]") {
  const std::string good = encode_entry(EntryKind::Blob, k_key, "some blob contents");
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x01;
    INFO("flipped byte " << i);
    CHECK_FALSE(decode_entry(bad));
  }
  for (size_t length = 0; length < good.size(); ++length) {
    INFO("truncated to " << length);
    CHECK_FALSE(decode_entry(good.substr(0, length)));
  }
}
