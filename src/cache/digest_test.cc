#include "cache/digest.h"

#include <catch2/catch.hpp>

using anneal::cache::Digest;
using anneal::cache::digest_of;

// Expected values were computed with the xxhsum CLI (xxHash 0.8.1, `printf '…' | xxhsum -H2`),
// an implementation independent of this code path.
TEST_CASE("digest_of is XXH3-128 in canonical hex", "[cache]") {
  SECTION("empty input") {
    CHECK(digest_of("").hex() == "99aa06d3014798d86001c324468d497f");
  }
  SECTION("fixed input") {
    CHECK(digest_of("hello world").hex() == "df8d09e93f874900a99b8775cc15b6c7");
  }
  SECTION("salt is hashed as a prefix of the bytes") {
    // printf 'v1\nhello world' | xxhsum -H2
    CHECK(digest_of("hello world", "v1\n").hex() == "1e5a685917975bddf8d8152de6193e3f");
  }
}

TEST_CASE("the salt changes the digest", "[cache]") {
  Digest unsalted = digest_of("spec");
  Digest v1 = digest_of("spec", "anneal-node-v1");
  Digest v2 = digest_of("spec", "anneal-node-v2");
  CHECK(unsalted != v1);
  CHECK(v1 != v2);
  CHECK(v1 == digest_of("spec", "anneal-node-v1"));
}

TEST_CASE("hex and from_hex are inverses", "[cache]") {
  Digest digest = digest_of("round trip");
  std::string hex = digest.hex();
  CHECK(hex.size() == 32);
  CHECK(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
  std::optional<Digest> parsed = Digest::from_hex(hex);
  REQUIRE(parsed);
  CHECK(*parsed == digest);

  SECTION("upper case is accepted") {
    std::optional<Digest> upper = Digest::from_hex("99AA06D3014798D86001C324468D497F");
    REQUIRE(upper);
    CHECK(*upper == digest_of(""));
  }
  SECTION("leading zero bytes survive") {
    std::optional<Digest> low = Digest::from_hex("000102030405060708090a0b0c0d0e0f");
    REQUIRE(low);
    CHECK(low->bytes[0] == 0x00);
    CHECK(low->bytes[15] == 0x0f);
    CHECK(low->hex() == "000102030405060708090a0b0c0d0e0f");
  }
}

TEST_CASE("from_hex rejects malformed text", "[cache]") {
  SECTION("too short") { CHECK_FALSE(Digest::from_hex("99aa06d3014798d86001c324468d497")); }
  SECTION("too long") { CHECK_FALSE(Digest::from_hex("99aa06d3014798d86001c324468d497f0")); }
  SECTION("empty") { CHECK_FALSE(Digest::from_hex("")); }
  SECTION("non-hex letter") { CHECK_FALSE(Digest::from_hex("99aa06d3014798d86001c324468d497g")); }
  SECTION("space") { CHECK_FALSE(Digest::from_hex(" 9aa06d3014798d86001c324468d497f")); }
  SECTION("sign") { CHECK_FALSE(Digest::from_hex("-9aa06d3014798d86001c324468d497f")); }
}
