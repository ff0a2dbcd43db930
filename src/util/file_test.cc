#include "util/file.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "temp_dir.h"

namespace fs = std::filesystem;
using anneal::make_dirs;
using anneal::read_file;
using anneal::read_file_if_exists;
using anneal::write_file_atomic;

namespace {

using anneal::testing::TempDir;

/// Everything in `dir`, so a test can see that no temporary file was left behind.
std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& item : fs::recursive_directory_iterator(dir))
    names.push_back(fs::relative(item.path(), dir).string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("write_file_atomic writes what read_file reads", "[util]") {
  TempDir dir;
  fs::path path = dir.path() / "out.txt";

  SECTION("text") {
    REQUIRE(write_file_atomic(path, "hello\n"));
    CHECK(read_file(path).value() == "hello\n");
  }
  SECTION("empty") {
    REQUIRE(write_file_atomic(path, ""));
    CHECK(read_file(path).value().empty());
  }
  SECTION("binary larger than one read buffer") {
    std::string big(200000, '\0');
    for (size_t i = 0; i < big.size(); ++i)
      big[i] = static_cast<char>(i * 7);
    REQUIRE(write_file_atomic(path, big));
    CHECK(read_file(path).value() == big);
  }
  CHECK(listing(dir.path()) == std::vector<std::string>{"out.txt"});
}

TEST_CASE("write_file_atomic replaces the whole contents", "[util]") {
  TempDir dir;
  fs::path path = dir.path() / "out.txt";
  REQUIRE(write_file_atomic(path, "a much longer first version\n"));
  REQUIRE(write_file_atomic(path, "short\n"));
  CHECK(read_file(path).value() == "short\n");
  CHECK(listing(dir.path()) == std::vector<std::string>{"out.txt"});
}

TEST_CASE("write_file_atomic creates missing parents", "[util]") {
  TempDir dir;
  fs::path path = dir.path() / "a" / "b" / "c" / "out.txt";
  REQUIRE(write_file_atomic(path, "nested"));
  CHECK(read_file(path).value() == "nested");
}

TEST_CASE("write_file_atomic fails with a message naming the path", "[util]") {
  TempDir dir;
  fs::path blocker = dir.path() / "blocker";
  REQUIRE(write_file_atomic(blocker, "a file, not a directory"));

  SECTION("parent is a file") {
    auto written = write_file_atomic(blocker / "out.txt", "x");
    REQUIRE_FALSE(written);
    CHECK_THAT(written.error().message, Catch::Contains(blocker.string()));
  }
  SECTION("target is a directory") {
    fs::path target = dir.path() / "target";
    fs::create_directory(target);
    auto written = write_file_atomic(target, "x");
    REQUIRE_FALSE(written);
    CHECK_THAT(written.error().message, Catch::Contains(target.string()));
    CHECK(fs::is_directory(target));
    CHECK(listing(dir.path()) == std::vector<std::string>{"blocker", "target"});
  }
}

TEST_CASE("writers in two processes never share a temporary file", "[util]") {
  TempDir dir;
  fs::path path = dir.path() / "contended";
  // Writing once before forking hands both children the same inherited state.
  REQUIRE(write_file_atomic(path, "seed"));

  const std::string contents[2] = {std::string(300000, 'a'), std::string(100000, 'b')};
  pid_t children[2];
  for (int c = 0; c < 2; ++c) {
    children[c] = ::fork();
    REQUIRE(children[c] >= 0);
    if (children[c] == 0) {
      int failures = 0;
      for (int i = 0; i < 100; ++i)
        if (!write_file_atomic(path, contents[c]))
          ++failures;
      ::_exit(failures == 0 ? 0 : 1);
    }
  }
  for (pid_t child : children) {
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  std::string final_contents = read_file(path).value();
  CHECK((final_contents == contents[0] || final_contents == contents[1]));
  CHECK(listing(dir.path()) == std::vector<std::string>{"contended"});
}

TEST_CASE("reading a missing file", "[util]") {
  TempDir dir;
  fs::path path = dir.path() / "missing.txt";

  SECTION("read_file is an error naming the path and the cause") {
    auto contents = read_file(path);
    REQUIRE_FALSE(contents);
    CHECK(contents.error().message == "cannot read " + path.string() + ": No such file or directory");
  }
  SECTION("read_file_if_exists is nullopt") { CHECK_FALSE(read_file_if_exists(path)); }
}

TEST_CASE("make_dirs", "[util]") {
  TempDir dir;
  SECTION("creates nested directories") {
    REQUIRE(make_dirs(dir.path() / "x" / "y" / "z"));
    CHECK(fs::is_directory(dir.path() / "x" / "y" / "z"));
  }
  SECTION("an existing directory is fine") {
    REQUIRE(make_dirs(dir.path() / "x"));
    CHECK(make_dirs(dir.path() / "x"));
  }
  SECTION("a file in the way is an error naming the path") {
    fs::path blocker = dir.path() / "blocker";
    REQUIRE(write_file_atomic(blocker, "x"));
    auto made = make_dirs(blocker / "sub");
    REQUIRE_FALSE(made);
    CHECK_THAT(made.error().message, Catch::Contains((blocker / "sub").string()));
  }
}
