#include "cache/local_store.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "temp_dir.h"

#include "cache/entry.h"
#include "util/file.h"

namespace fs = std::filesystem;
using anneal::cache::Digest;
using anneal::cache::digest_of;
using anneal::cache::encode_entry;
using anneal::cache::EntryKind;
using anneal::cache::LocalStore;

namespace {

using anneal::testing::TempDir;

std::string read_bytes(const fs::path& path) { return anneal::read_file(path).value(); }

void write_bytes(const fs::path& path, const std::string& bytes) {
  REQUIRE(anneal::write_file_atomic(path, bytes));
}

ino_t inode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

/// Names in `dir` (recursively) that are not entries: left-over temporary files.
std::vector<std::string> stray_files(const fs::path& dir) {
  std::vector<std::string> stray;
  for (const auto& item : fs::recursive_directory_iterator(dir))
    if (item.is_regular_file() && !Digest::from_hex(item.path().filename().string()))
      stray.push_back(item.path().string());
  return stray;
}

}  // namespace

TEST_CASE("action results round trip", "[cache]") {
  TempDir dir;
  LocalStore store(dir.path() / "cache");
  Digest key = digest_of("node spec", "test-v1");

  CHECK_FALSE(store.get_action(key));
  REQUIRE(store.put_action(key, R"({"outcome":"kept"})"));
  CHECK(store.get_action(key) == R"({"outcome":"kept"})");

  SECTION("the entry lives at ac/XX/<hex>") {
    std::string hex = key.hex();
    CHECK(store.action_path(key) == dir.path() / "cache" / "ac" / hex.substr(0, 2) / hex);
    CHECK(fs::is_regular_file(store.action_path(key)));
  }
  SECTION("a second put replaces the result") {
    REQUIRE(store.put_action(key, "second"));
    CHECK(store.get_action(key) == "second");
  }
  SECTION("another key is still a miss") {
    CHECK_FALSE(store.get_action(digest_of("other spec", "test-v1")));
  }
  SECTION("a second store on the same root sees the result") {
    LocalStore again(dir.path() / "cache");
    CHECK(again.get_action(key) == R"({"outcome":"kept"})");
  }
}

TEST_CASE("a corrupt action entry is a miss and is removed", "[cache]") {
  TempDir dir;
  LocalStore store(dir.path());
  Digest key = digest_of("spec");
  REQUIRE(store.put_action(key, "an action result payload"));
  fs::path path = store.action_path(key);
  std::string good = read_bytes(path);

  SECTION("flipped payload byte") {
    std::string bad = good;
    bad[24] ^= 0x01;
    write_bytes(path, bad);
  }
  SECTION("flipped checksum byte") {
    std::string bad = good;
    bad.back() ^= 0x01;
    write_bytes(path, bad);
  }
  SECTION("truncated payload") { write_bytes(path, good.substr(0, good.size() - 5)); }
  SECTION("truncated header") { write_bytes(path, good.substr(0, 10)); }
  SECTION("empty file") { write_bytes(path, ""); }
  SECTION("trailing bytes") { write_bytes(path, good + "x"); }
  SECTION("changed magic") {
    std::string bad = good;
    bad.replace(0, 8, "NOTANENT");
    write_bytes(path, bad);
  }
  SECTION("changed version") {
    std::string bad = good;
    bad[8] = 9;
    write_bytes(path, bad);
  }
  SECTION("a valid action entry of another key") {
    write_bytes(path, encode_entry(EntryKind::Action, anneal::cache::digest_of("another node"), "{}"));
  }
  SECTION("a valid blob entry where an action belongs") {
    write_bytes(path, encode_entry(EntryKind::Blob, key, "an action result payload"));
  }

  CHECK_FALSE(store.get_action(key));
  CHECK_FALSE(fs::exists(path));
  // The slot is usable again.
  REQUIRE(store.put_action(key, "fresh"));
  CHECK(store.get_action(key) == "fresh");
}

TEST_CASE("an unusable store root is a miss on read and an error on write", "[cache]") {
  TempDir dir;
  fs::path root = dir.path() / "not-a-directory";
  write_bytes(root, "a file where the cache should be");
  LocalStore store(root);
  Digest key = digest_of("spec");

  CHECK_FALSE(store.get_action(key));
  CHECK_FALSE(store.get_blob(key));
  auto put = store.put_action(key, "x");
  REQUIRE_FALSE(put);
  CHECK_THAT(put.error().message, Catch::Contains(root.string()));
  auto stats = store.stats();
  CHECK(stats.actions == 0);
  CHECK(stats.blobs == 0);
}

TEST_CASE("blobs are content addressed", "[cache]") {
  TempDir dir;
  LocalStore store(dir.path());
  const std::string bytes = "diff --git a/x b/x\n+hello\n";

  auto digest = store.put_blob(bytes);
  REQUIRE(digest);
  CHECK(*digest == digest_of(bytes));
  CHECK(store.get_blob(*digest) == bytes);
  std::string hex = digest->hex();
  fs::path path = dir.path() / "cas" / hex.substr(0, 2) / hex;
  REQUIRE(fs::is_regular_file(path));

  SECTION("a missing blob is a miss") { CHECK_FALSE(store.get_blob(digest_of("never stored"))); }

  SECTION("storing the same bytes again does not rewrite the file") {
    ino_t before = inode_of(path);
    auto again = store.put_blob(bytes);
    REQUIRE(again);
    CHECK(*again == *digest);
    // write_file_atomic renames a new file into place, so a rewrite changes the inode.
    CHECK(inode_of(path) == before);
    CHECK(store.stats().blobs == 1);
  }

  SECTION("storing over a corrupt blob repairs it") {
    std::string bad = read_bytes(path);
    bad[30] ^= 0x01;
    write_bytes(path, bad);
    REQUIRE(store.put_blob(bytes));
    CHECK(store.get_blob(*digest) == bytes);
  }

  SECTION("a damaged blob file is a miss and is removed") {
    std::string bad = read_bytes(path);
    SECTION("flipped byte") {
      bad[30] ^= 0x01;
      write_bytes(path, bad);
    }
    SECTION("truncated") { write_bytes(path, bad.substr(0, bad.size() - 1)); }
    SECTION("action entry in the blob store") {
      write_bytes(path, encode_entry(EntryKind::Action, *digest, bytes));
    }
    CHECK_FALSE(store.get_blob(*digest));
    CHECK_FALSE(fs::exists(path));
  }

  SECTION("a valid entry whose bytes do not hash to its name is a miss and is removed") {
    write_bytes(path, encode_entry(EntryKind::Blob, *digest, "tampered contents"));
    CHECK_FALSE(store.get_blob(*digest));
    CHECK_FALSE(fs::exists(path));
  }
}

TEST_CASE("stats counts entries and their bytes", "[cache]") {
  TempDir dir;
  LocalStore store(dir.path());

  SECTION("an empty or absent store") {
    auto stats = store.stats();
    CHECK(stats.actions == 0);
    CHECK(stats.blobs == 0);
    CHECK(stats.bytes == 0);
  }

  SECTION("after puts") {
    for (int i = 0; i < 5; ++i)
      REQUIRE(store.put_action(digest_of("spec " + std::to_string(i)), "result"));
    REQUIRE(store.put_blob("one"));
    REQUIRE(store.put_blob("two"));
    REQUIRE(store.put_blob("two"));  // deduplicated
    // A writer that died between create and rename leaves a temporary file behind.
    write_bytes(dir.path() / "cas" / "ab" / "abababababababababababababababab.tmp.1234", "junk");

    auto stats = store.stats();
    CHECK(stats.actions == 5);
    CHECK(stats.blobs == 2);
    // Each entry is 40 bytes of framing plus its payload.
    CHECK(stats.bytes == 5 * (56 + 6) + (56 + 3) + (56 + 3));
  }
}

TEST_CASE("concurrent writers of one key from two processes leave one valid entry", "[cache]") {
  TempDir dir;
  LocalStore store(dir.path());
  Digest key = digest_of("contended spec");
  // Writing once before forking gives both children the same inherited process state, which
  // is where a shared temporary-file name would come from.
  REQUIRE(store.put_action(key, "seed"));

  const std::string payloads[2] = {std::string(200000, 'a'), std::string(70000, 'b')};
  pid_t children[2];
  for (int c = 0; c < 2; ++c) {
    children[c] = ::fork();
    REQUIRE(children[c] >= 0);
    if (children[c] == 0) {
      int failures = 0;
      for (int i = 0; i < 200; ++i) {
        if (!store.put_action(key, payloads[c]))
          ++failures;
        if (auto got = store.get_action(key); got && *got != payloads[0] && *got != payloads[1] &&
                                              *got != "seed")
          ++failures;
      }
      ::_exit(failures == 0 ? 0 : 1);
    }
  }
  for (pid_t child : children) {
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }

  auto result = store.get_action(key);
  REQUIRE(result);
  CHECK((*result == payloads[0] || *result == payloads[1]));
  CHECK(stray_files(dir.path()).empty());
  CHECK(store.stats().actions == 1);
}

TEST_CASE("a hit marks the entry as recently used", "[cache]") {
  TempDir dir;
  LocalStore store(dir.path());
  Digest key = digest_of("spec");
  REQUIRE(store.put_action(key, "result"));
  auto digest = store.put_blob("blob bytes");
  REQUIRE(digest);
  std::string hex = digest->hex();
  fs::path blob_path = dir.path() / "cas" / hex.substr(0, 2) / hex;
  const auto month_ago = fs::file_time_type::clock::now() - std::chrono::hours(24 * 30);
  for (const fs::path& path : {store.action_path(key), blob_path})
    fs::last_write_time(path, month_ago);

  fs::path used;
  SECTION("an action read") {
    CHECK(store.get_action(key) == "result");
    used = store.action_path(key);
  }
  SECTION("a blob read") {
    CHECK(store.get_blob(*digest) == "blob bytes");
    used = blob_path;
  }
  SECTION("a blob stored again") {
    REQUIRE(store.put_blob("blob bytes"));
    used = blob_path;
  }
  const auto recent = fs::file_time_type::clock::now() - std::chrono::minutes(1);
  CHECK(fs::last_write_time(used) > recent);
  // The other entry was not used and keeps its age.
  fs::path unused = used == blob_path ? store.action_path(key) : blob_path;
  CHECK(fs::last_write_time(unused) < recent);
}

TEST_CASE("a hit on an entry used within the hour leaves its mtime alone", "[cache]") {
  TempDir dir;
  LocalStore store(dir.path());
  Digest key = digest_of("spec");
  REQUIRE(store.put_action(key, "result"));
  // Marking every hit would cost a replay one metadata write per node; an hour is precision
  // enough to order entries by last use.
  const auto minutes_ago = fs::file_time_type::clock::now() - std::chrono::minutes(20);
  fs::last_write_time(store.action_path(key), minutes_ago);
  CHECK(store.get_action(key) == "result");
  CHECK(fs::last_write_time(store.action_path(key)) == minutes_ago);
}

TEST_CASE("an attempt is kept for reading but is never a hit, and a result replaces it", "[cache]") {
  TempDir dir;
  LocalStore store(dir.path() / "cache");
  Digest key = digest_of("node spec", "test-v1");
  CHECK_FALSE(store.get_attempt(key));
  REQUIRE(store.put_attempt(key, R"({"outcome":"crashed","unfinished":true})"));
  CHECK_FALSE(store.get_action(key));
  CHECK_FALSE(fs::exists(store.action_path(key)));  // ninja sees the node as still to do
  CHECK(store.get_attempt(key) == std::optional<std::string>(R"({"outcome":"crashed","unfinished":true})"));
  CHECK(store.stats().actions == 0);

  REQUIRE(store.put_action(key, R"({"outcome":"ok"})"));
  CHECK(store.get_action(key) == std::optional<std::string>(R"({"outcome":"ok"})"));
  CHECK_FALSE(store.get_attempt(key));
}
