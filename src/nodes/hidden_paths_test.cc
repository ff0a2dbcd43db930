#include "nodes/hidden_paths.h"

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "temp_dir.h"
#include "util/file.h"

namespace fs = std::filesystem;
using anneal::nodes::HiddenPaths;
using anneal::testing::TempDir;

namespace {

void put(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  REQUIRE(anneal::write_file_atomic(path, text, anneal::Durability::Unsynced));
}

std::string get(const fs::path& path) { return anneal::read_file(path).value_or("<missing>"); }

}  // namespace

TEST_CASE("hidden files are out of the worktree until restored, byte for byte", "[nodes][hidden]") {
  TempDir dir;
  const fs::path wt = dir.path();
  put(wt / "score.txt", "1\n");
  put(wt / "tests/hidden/a.py", "assert True\n");
  put(wt / "tests/hidden/deep/b.py", "x = 1\n");
  put(wt / "tests/visible.py", "ok\n");
  put(wt / "data/answers.csv", "q,a\n");
  put(wt / ".git/answers.csv", "not a worktree file\n");
  fs::permissions(wt / "tests/hidden/a.py", fs::perms::owner_all);
  fs::create_symlink("a.py", wt / "tests/hidden/link.py");

  auto hidden = HiddenPaths::hide(wt, {"tests/hidden/**", "**/answers.csv"});
  INFO((hidden ? std::string() : hidden.error().message));
  REQUIRE(hidden);
  CHECK_FALSE(hidden->empty());
  CHECK_FALSE(fs::exists(wt / "tests/hidden/a.py"));
  CHECK_FALSE(fs::exists(wt / "tests/hidden/deep/b.py"));
  CHECK_FALSE(fs::is_symlink(wt / "tests/hidden/link.py"));
  CHECK_FALSE(fs::exists(wt / "data/answers.csv"));
  CHECK(get(wt / "tests/visible.py") == "ok\n");
  CHECK(get(wt / ".git/answers.csv") == "not a worktree file\n");  // git's own files are not the worktree's

  auto written = hidden->restore();
  REQUIRE(written);
  CHECK(written->empty());
  CHECK(get(wt / "tests/hidden/a.py") == "assert True\n");
  CHECK(get(wt / "tests/hidden/deep/b.py") == "x = 1\n");
  CHECK(get(wt / "data/answers.csv") == "q,a\n");
  CHECK((fs::status(wt / "tests/hidden/a.py").permissions() & fs::perms::all) == fs::perms::owner_all);
  REQUIRE(fs::is_symlink(wt / "tests/hidden/link.py"));
  CHECK(fs::read_symlink(wt / "tests/hidden/link.py") == "a.py");
}

TEST_CASE("what an agent writes at a hidden path is a violation and is undone", "[nodes][hidden]") {
  TempDir dir;
  const fs::path wt = dir.path();
  put(wt / "hidden/answer.txt", "42\n");
  auto hidden = HiddenPaths::hide(wt, {"hidden/**"});
  REQUIRE(hidden);
  SECTION("a file written where the hidden one was") {
    put(wt / "hidden/answer.txt", "41\n");
    auto written = hidden->restore();
    REQUIRE(written);
    REQUIRE(written->size() == 1);
    CHECK(written->front().path == "hidden/answer.txt");
    CHECK_THAT(written->front().reason, Catch::Contains("scope.hidden"));
  }
  SECTION("a new file the globs match") {
    put(wt / "hidden/new.txt", "x\n");
    auto written = hidden->restore();
    REQUIRE(written);
    REQUIRE(written->size() == 1);
    CHECK(written->front().path == "hidden/new.txt");
    CHECK_FALSE(fs::exists(wt / "hidden/new.txt"));
  }
  SECTION("a file where the hidden folder was") {
    fs::remove_all(wt / "hidden");
    put(wt / "hidden", "not a folder\n");
    auto written = hidden->restore();
    REQUIRE(written);
    REQUIRE(written->size() == 1);
    CHECK(written->front().path == "hidden");
  }
  CHECK(get(wt / "hidden/answer.txt") == "42\n");
}

TEST_CASE("no hidden globs leave the worktree alone", "[nodes][hidden]") {
  TempDir dir;
  put(dir.path() / "a.txt", "a\n");
  auto hidden = HiddenPaths::hide(dir.path(), {});
  REQUIRE(hidden);
  CHECK(hidden->empty());
  CHECK(get(dir.path() / "a.txt") == "a\n");
  auto written = hidden->restore();
  REQUIRE(written);
  CHECK(written->empty());
}

TEST_CASE("a worktree named with a trailing slash is the same worktree", "[nodes][hidden]") {
  TempDir dir;
  put(dir.path() / "hidden/answer.txt", "42\n");
  auto hidden = HiddenPaths::hide(fs::path(dir.path().string() + "/"), {"hidden/**"});
  REQUIRE(hidden);
  CHECK_FALSE(fs::exists(dir.path() / "hidden/answer.txt"));
  fs::remove_all(dir.path() / "hidden");
  put(dir.path() / "hidden", "a file where the folder was\n");
  auto written = hidden->restore();
  REQUIRE(written);
  REQUIRE(written->size() == 1);
  CHECK(written->front().path == "hidden");
  CHECK(get(dir.path() / "hidden/answer.txt") == "42\n");
}
