#include "cache/cache_gc.h"

#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "temp_dir.h"

#include "cache/local_store.h"
#include "util/file.h"

namespace fs = std::filesystem;
using anneal::cache::CacheStats;
using anneal::cache::collect_garbage;
using anneal::cache::Digest;
using anneal::cache::GcOptions;
using anneal::cache::LocalStore;

namespace {

using anneal::testing::TempDir;
using namespace std::chrono_literals;

const fs::file_time_type k_now = fs::file_time_type::clock::now();

/// Test payloads name their blobs as space-separated hex digests.
std::vector<Digest> names_in(std::string_view payload) {
  std::vector<Digest> digests;
  std::istringstream words{std::string(payload)};
  for (std::string word; words >> word;)
    if (auto digest = Digest::from_hex(word))
      digests.push_back(*digest);
  return digests;
}

GcOptions test_options() {
  GcOptions options;
  options.references = names_in;
  options.now = [] { return k_now; };
  return options;
}

fs::path blob_path(const LocalStore& store, const Digest& digest) {
  std::string hex = digest.hex();
  return store.root() / "cas" / hex.substr(0, 2) / hex;
}

/// An action named `name` whose payload names `blobs`, last used `age` ago.
Digest put_action(LocalStore& store, const std::string& name, const std::vector<Digest>& blobs,
                  fs::file_time_type::duration age) {
  Digest key = anneal::cache::digest_of(name);
  std::string payload = name;
  for (const auto& blob : blobs)
    payload += " " + blob.hex();
  payload += std::string(1000, ' ');  // a size that dominates the blobs'
  REQUIRE(store.put_action(key, payload));
  fs::last_write_time(store.action_path(key), k_now - age);
  return key;
}

Digest put_blob(LocalStore& store, const std::string& bytes, fs::file_time_type::duration age) {
  auto digest = store.put_blob(bytes);
  REQUIRE(digest);
  fs::last_write_time(blob_path(store, *digest), k_now - age);
  return *digest;
}

uint64_t entry_size(const fs::path& path) { return fs::file_size(path); }

}  // namespace

TEST_CASE("gc removes the least recently used results until the store fits", "[cache]") {
  TempDir dir;
  LocalStore store(dir.path() / "cache");
  Digest oldest = put_action(store, "oldest", {}, 30h);
  Digest middle = put_action(store, "middle", {}, 20h);
  Digest newest = put_action(store, "newest", {}, 10h);
  uint64_t one = entry_size(store.action_path(newest));

  SECTION("under the limit nothing goes") {
    auto report = collect_garbage(store.root(), 3 * one, test_options());
    REQUIRE(report);
    CHECK(report->removed_actions == 0);
    CHECK(report->bytes_after == report->bytes_before);
    CHECK(fs::exists(store.action_path(oldest)));
  }
  SECTION("over it the oldest go first") {
    auto report = collect_garbage(store.root(), one + one / 2, test_options());
    REQUIRE(report);
    CHECK(report->removed_actions == 2);
    CHECK(report->kept_actions == 1);
    CHECK(report->bytes_after <= one + one / 2);
    CHECK_FALSE(store.get_action(oldest));
    CHECK_FALSE(store.get_action(middle));
    CHECK(store.get_action(newest));
  }
  SECTION("a hit makes an old result the most recently used") {
    REQUIRE(store.get_action(oldest));
    auto report = collect_garbage(store.root(), one + one / 2, [] {
      GcOptions options = test_options();
      options.now = [] { return fs::file_time_type::clock::now(); };
      return options;
    }());
    REQUIRE(report);
    CHECK(store.get_action(oldest));
    CHECK_FALSE(store.get_action(newest));
  }
  SECTION("a limit of zero empties the store") {
    auto report = collect_garbage(store.root(), 0, test_options());
    REQUIRE(report);
    CHECK(report->bytes_after == 0);
    CHECK(anneal::cache::cache_stats(store.root()).actions.entries == 0);
  }
}

TEST_CASE("gc never leaves a result without the blobs it names", "[cache]") {
  TempDir dir;
  LocalStore store(dir.path() / "cache");
  // Blobs are older than the results naming them: they were written first.
  Digest shared = put_blob(store, "shared stdout", 50h);
  Digest own = put_blob(store, "own patch", 50h);
  Digest old_result = put_action(store, "old", {shared, own}, 40h);
  Digest new_result = put_action(store, "new", {shared}, 1h);

  auto report = collect_garbage(store.root(), entry_size(store.action_path(new_result)) + 100, test_options());
  REQUIRE(report);
  CHECK_FALSE(store.get_action(old_result));
  CHECK_FALSE(fs::exists(blob_path(store, own)));  // went with its only result
  CHECK(store.get_action(new_result));
  CHECK(store.get_blob(shared));  // still named by the newer result
  CHECK(report->removed_actions == 1);
  CHECK(report->removed_blobs == 1);
}

TEST_CASE("gc removes a blob no result names only once it is old", "[cache]") {
  TempDir dir;
  LocalStore store(dir.path() / "cache");
  Digest stale = put_blob(store, std::string(500, 's'), 48h);
  // A node writes its blobs before its result: this one's result may be on its way.
  Digest young = put_blob(store, std::string(500, 'y'), 1min);
  Digest result = put_action(store, "result", {}, 2h);

  auto report = collect_garbage(store.root(), 0, test_options());
  REQUIRE(report);
  CHECK_FALSE(fs::exists(blob_path(store, stale)));
  CHECK_FALSE(store.get_action(result));
  CHECK(store.get_blob(young));
  CHECK(report->bytes_after == entry_size(blob_path(store, young)));
}

TEST_CASE("gc leaves writers in flight alone and drops corrupt and abandoned files", "[cache]") {
  TempDir dir;
  LocalStore store(dir.path() / "cache");
  Digest key = put_action(store, "result", {}, 1h);
  fs::path entry = store.action_path(key);
  fs::path in_flight = entry.string() + ".tmp.4242.1f";
  fs::path abandoned = entry.string() + ".tmp.4243.2e";
  REQUIRE(anneal::write_file_atomic(in_flight, std::string(5000, 'x')));
  REQUIRE(anneal::write_file_atomic(abandoned, std::string(5000, 'x')));
  fs::last_write_time(in_flight, k_now - 1min);
  fs::last_write_time(abandoned, k_now - 48h);
  Digest broken_key = put_action(store, "broken", {}, 1min);
  {
    std::string bytes = anneal::read_file(store.action_path(broken_key)).value();
    bytes[bytes.size() / 2] ^= 1;
    REQUIRE(anneal::write_file_atomic(store.action_path(broken_key), bytes));
  }

  CacheStats before = anneal::cache::cache_stats(store.root());
  CHECK(before.temporary.entries == 2);
  CHECK(before.bytes() == entry_size(entry) + entry_size(store.action_path(broken_key)));

  auto report = collect_garbage(store.root(), entry_size(entry), test_options());
  REQUIRE(report);
  CHECK(fs::exists(in_flight));
  CHECK_FALSE(fs::exists(abandoned));
  CHECK(report->removed_temporary == 1);
  // The corrupt result goes, although it is the newest; the valid one fits.
  CHECK_FALSE(fs::exists(store.action_path(broken_key)));
  CHECK(store.get_action(key));
}

TEST_CASE("cache stats count results and blobs with their last use", "[cache]") {
  TempDir dir;
  LocalStore store(dir.path() / "cache");
  SECTION("a store never written is empty") {
    CacheStats stats = anneal::cache::cache_stats(store.root());
    CHECK(stats.actions.entries == 0);
    CHECK(stats.bytes() == 0);
    CHECK_FALSE(stats.actions.oldest);
    auto report = collect_garbage(store.root(), 0, test_options());
    REQUIRE(report);
    CHECK(report->bytes_before == 0);
  }
  SECTION("entries by kind") {
    Digest blob = put_blob(store, "bytes", 5h);
    put_action(store, "a", {blob}, 3h);
    put_action(store, "b", {}, 2h);
    CacheStats stats = anneal::cache::cache_stats(store.root());
    CHECK(stats.actions.entries == 2);
    CHECK(stats.blobs.entries == 1);
    CHECK(stats.blobs.bytes == entry_size(blob_path(store, blob)));
    REQUIRE(stats.actions.oldest);
    CHECK(*stats.actions.oldest == k_now - 3h);
    CHECK(*stats.actions.newest == k_now - 2h);
    CHECK(stats.bytes() == store.stats().bytes);
  }
}

TEST_CASE("sizes are read with SI and binary suffixes", "[cache]") {
  using anneal::cache::parse_size;
  CHECK(parse_size("1048576").value() == 1048576);
  CHECK(parse_size("500M").value() == 500'000'000);
  CHECK(parse_size("2G").value() == 2'000'000'000);
  CHECK(parse_size("1.5G").value() == 1'500'000'000);
  CHECK(parse_size("64k").value() == 64'000);
  CHECK(parse_size("2GiB").value() == 2ull << 30);
  CHECK(parse_size("1Ki").value() == 1024);
  CHECK(parse_size("10MB").value() == 10'000'000);
  CHECK(parse_size("0").value() == 0);
  for (const char* bad : {"", "G", "-1G", "5X", "1.5.2G", "5 GG", "1e3", "nan"}) {
    INFO(bad);
    auto parsed = parse_size(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.find("is not a size") != std::string::npos);
  }
  CHECK(anneal::cache::size_text(512) == "512 B");
  CHECK(anneal::cache::size_text(1'500'000) == "1.5 MB");
  CHECK(anneal::cache::size_text(5'000'000'000) == "5.0 GB");
}

TEST_CASE("gc keeps an attempt's logs while it stays, and ages attempts out like results", "[cache]") {
  TempDir dir;
  LocalStore store(dir.path() / "cache");
  Digest log = put_blob(store, std::string(500, 'l'), 48h);
  Digest key = anneal::cache::digest_of("unfinished node");
  REQUIRE(store.put_attempt(key, "crashed " + log.hex()));
  fs::path attempt = store.root() / "at" / key.hex().substr(0, 2) / key.hex();
  REQUIRE(fs::exists(attempt));

  auto kept = collect_garbage(store.root(), 1 << 20, test_options());
  REQUIRE(kept);
  CHECK(store.get_attempt(key));
  CHECK(store.get_blob(log));  // `anneal show` of the attempt still prints its stderr

  fs::last_write_time(attempt, k_now - 2h);
  auto emptied = collect_garbage(store.root(), 0, test_options());
  REQUIRE(emptied);
  CHECK_FALSE(store.get_attempt(key));
  CHECK_FALSE(fs::exists(blob_path(store, log)));
}
