#include "edit/apply_edits.h"

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "temp_dir.h"
#include "util/file.h"

namespace fs = std::filesystem;
using anneal::read_file;
using anneal::read_file_if_exists;
using anneal::write_file_atomic;
using anneal::edit::apply_edits;
using anneal::edit::ApplyLimits;
using anneal::edit::ApplyOutcome;
using anneal::edit::Edit;
using anneal::edit::parse_edit_reply;
using anneal::testing::TempDir;

namespace {

Edit replace(std::string path, std::string search, std::string replacement, int line = 0) {
  return Edit{.kind = Edit::Kind::Replace,
              .path = std::move(path),
              .search = std::move(search),
              .replace = std::move(replacement),
              .line = line};
}

Edit whole_file(std::string path, std::string content) {
  return Edit{.kind = Edit::Kind::WholeFile,
              .path = std::move(path),
              .search = {},
              .replace = std::move(content),
              .line = 0};
}

void put(const fs::path& path, std::string_view content) {
  REQUIRE(write_file_atomic(path, content));
}

std::string get(const fs::path& path) {
  return read_file(path).value();
}

/// Applies edits that must fail, and returns the one failure's reason.
std::string failure_of(const fs::path& root, const std::vector<Edit>& edits, const ApplyLimits& limits = {}) {
  auto outcome = apply_edits(root, edits, limits);
  REQUIRE(outcome);
  REQUIRE(outcome->failures.size() == 1);
  CHECK(outcome->written.empty());
  return outcome->failures[0].reason;
}

}  // namespace

TEST_CASE("apply_edits replaces text that occurs once", "[edit]") {
  TempDir dir;
  put(dir.path() / "a.py", "def f():\n    x = 1\n    return x\n");
  auto outcome = apply_edits(dir.path(), {replace("a.py", "    x = 1\n", "    x = 2\n")});
  REQUIRE(outcome);
  CHECK(outcome->ok());
  CHECK(outcome->written == std::vector<std::string>{"a.py"});
  CHECK(get(dir.path() / "a.py") == "def f():\n    x = 2\n    return x\n");
}

TEST_CASE("apply_edits applies a reply's blocks in order, each seeing the earlier ones", "[edit]") {
  TempDir dir;
  put(dir.path() / "a.py", "one\ntwo\nthree\n");
  put(dir.path() / "b.py", "b\n");
  auto reply = parse_edit_reply(
      "Hypothesis: h\n"
      "a.py\n<<<<<<< SEARCH\none\n=======\nuno\n>>>>>>> REPLACE\n"
      "b.py\n<<<<<<< SEARCH\nb\n=======\nbe\n>>>>>>> REPLACE\n"
      "a.py\n<<<<<<< SEARCH\nuno\ntwo\n=======\nuno\ndos\n>>>>>>> REPLACE\n");
  REQUIRE(reply);
  auto outcome = apply_edits(dir.path(), reply->edits);
  REQUIRE(outcome);
  CHECK(outcome->ok());
  CHECK(outcome->written == std::vector<std::string>{"a.py", "b.py"});
  CHECK(get(dir.path() / "a.py") == "uno\ndos\nthree\n");
  CHECK(get(dir.path() / "b.py") == "be\n");
}

TEST_CASE("apply_edits explains a SEARCH text that is not there or not unique", "[edit]") {
  TempDir dir;
  put(dir.path() / "a.py",
      "def f(items):\n"
      "    total = 0\n"
      "    for item in items:\n"
      "        total += item\n"
      "    return total\n"
      "\n"
      "def g():\n"
      "    return 0\n");
  SECTION("a later line differs") {
    CHECK(
        failure_of(dir.path(),
                   {replace("a.py", "    for item in items:\n        total += item * 2\n", "")}) ==
        "the SEARCH text is not in the file: SEARCH line 1 is line 3 of the file, but SEARCH line 2 differs; "
        "the file has 'total += item' there");
  }
  SECTION("the file ends first") {
    CHECK(failure_of(dir.path(), {replace("a.py", "    return 0\n    pass\n", "")}) ==
          "the SEARCH text is not in the file: SEARCH line 1 is line 8 of the file, but the file ends before "
          "SEARCH line 2");
  }
  SECTION("indentation differs") {
    CHECK(
        failure_of(dir.path(), {replace("a.py", "  total = 0\n", "")}) ==
        "the SEARCH text is not in the file: SEARCH line 1 matches line 2 of the file only if whitespace is "
        "ignored; copy the lines exactly, with their indentation");
  }
  SECTION("a renamed identifier") {
    CHECK(
        failure_of(dir.path(), {replace("a.py", "    for element in items:\n", "")}) ==
        "the SEARCH text is not in the file: SEARCH line 1, 'for element in items:', is not in the file; the "
        "closest is line 3: 'for item in items:'");
  }
  SECTION("nothing alike") {
    CHECK(
        failure_of(dir.path(), {replace("a.py", "import numpy\n", "")}) ==
        "the SEARCH text is not in the file: SEARCH line 1, 'import numpy', is not in the file; copy SEARCH "
        "lines exactly from the current file");
  }
  SECTION("part of a line is not a match") {
    CHECK(failure_of(dir.path(), {replace("a.py", "total = 0\n", "")})
              .starts_with("the SEARCH text is not in the file"));
  }
  SECTION("a later line differs in its whitespace") {
    CHECK(failure_of(dir.path(), {replace("a.py", "    total = 0\n    for item in items: \n", "")}) ==
          "the SEARCH text is not in the file: SEARCH line 1 is line 2 of the file, but SEARCH line 2 "
          "differs in "
          "its whitespace; copy the lines exactly, with their indentation and trailing spaces");
  }
  SECTION("several matches") {
    CHECK(failure_of(dir.path(), {replace("a.py", "    return", "")}) ==
          "the SEARCH text matches 2 times (at lines 5, 8); include more surrounding lines so that it "
          "matches once");
  }
  CHECK(get(dir.path() / "a.py").starts_with("def f(items):\n    total = 0\n"));
}

TEST_CASE("apply_edits is all or nothing", "[edit]") {
  TempDir dir;
  put(dir.path() / "a.py", "a = 1\n");
  put(dir.path() / "b.py", "b = 1\n");
  auto outcome =
      apply_edits(dir.path(), {replace("a.py", "a = 1\n", "a = 2\n", 3), replace("new/c.py", "", "c\n", 9),
                               replace("b.py", "b = 7\n", "b = 2\n", 14)});
  REQUIRE(outcome);
  CHECK_FALSE(outcome->ok());
  CHECK(outcome->written.empty());
  REQUIRE(outcome->failures.size() == 1);
  CHECK(outcome->failures[0].index == 2);
  CHECK(outcome->describe_failures() ==
        "edit 3 (b.py, reply line 14): the SEARCH text is not in the file: SEARCH line 1, 'b = 7', is not in "
        "the "
        "file; copy SEARCH lines exactly from the current file");
  CHECK(get(dir.path() / "a.py") == "a = 1\n");
  CHECK_FALSE(fs::exists(dir.path() / "new"));
}

TEST_CASE("apply_edits lists every failing edit", "[edit]") {
  TempDir dir;
  put(dir.path() / "a.py", "a\n");
  auto outcome =
      apply_edits(dir.path(), {replace("a.py", "x\n", "y\n", 2), replace("../b.py", "", "b\n", 8)});
  REQUIRE(outcome);
  CHECK(
      outcome->describe_failures() ==
      "edit 1 (a.py, reply line 2): the SEARCH text is not in the file: SEARCH line 1, 'x', is not in the "
      "file; "
      "copy SEARCH lines exactly from the current file\n"
      "edit 2 (../b.py, reply line 8): the path contains '..'; use a path inside the repository, relative to "
      "its root");
}

TEST_CASE("apply_edits creates new files with an empty SEARCH", "[edit]") {
  TempDir dir;
  SECTION("in new nested directories") {
    auto outcome = apply_edits(dir.path(), {replace("deep/er/new.py", "", "print(1)\n")});
    REQUIRE(outcome);
    CHECK(outcome->ok());
    CHECK(outcome->written == std::vector<std::string>{"deep/er/new.py"});
    CHECK(get(dir.path() / "deep/er/new.py") == "print(1)\n");
  }
  SECTION("an existing empty file is filled") {
    put(dir.path() / "empty.py", "");
    REQUIRE(apply_edits(dir.path(), {replace("empty.py", "", "x\n")})->ok());
    CHECK(get(dir.path() / "empty.py") == "x\n");
  }
  SECTION("an existing file is not overwritten") {
    put(dir.path() / "a.py", "keep\n");
    CHECK(failure_of(dir.path(), {replace("a.py", "", "x\n")}) ==
          "SEARCH is empty, which creates a new file, but the file exists; put the exact lines to change in "
          "SEARCH");
    CHECK(get(dir.path() / "a.py") == "keep\n");
  }
  SECTION("a missing file cannot be searched") {
    CHECK(failure_of(dir.path(), {replace("missing.py", "x\n", "y\n")}) ==
          "the file does not exist; to create it, leave SEARCH empty");
  }
  SECTION("a file created by an earlier block can be edited by a later one") {
    REQUIRE(apply_edits(dir.path(), {replace("n.py", "", "a\nb\n"), replace("n.py", "b\n", "c\n")})->ok());
    CHECK(get(dir.path() / "n.py") == "a\nc\n");
  }
}

TEST_CASE("apply_edits keeps the file's line endings and missing final newline", "[edit]") {
  TempDir dir;
  SECTION("CRLF") {
    put(dir.path() / "w.txt", "one\r\ntwo\r\nthree\r\n");
    REQUIRE(apply_edits(dir.path(), {replace("w.txt", "two\nthree\n", "2\n3\n")})->ok());
    CHECK(get(dir.path() / "w.txt") == "one\r\n2\r\n3\r\n");
  }
  SECTION("no newline at the end") {
    put(dir.path() / "n.txt", "one\ntwo");
    REQUIRE(apply_edits(dir.path(), {replace("n.txt", "one\ntwo\n", "one\n2\n")})->ok());
    CHECK(get(dir.path() / "n.txt") == "one\n2");
  }
  SECTION("a last line without newline counts as a match") {
    put(dir.path() / "n.txt", "x\ny\nx");
    CHECK(failure_of(dir.path(), {replace("n.txt", "x\n", "z\n")}) ==
          "the SEARCH text matches 2 times (at lines 1, 3); include more surrounding lines so that it "
          "matches once");
  }
  SECTION("executable bit") {
    put(dir.path() / "run.sh", "echo 1\n");
    fs::permissions(dir.path() / "run.sh", fs::perms::owner_all | fs::perms::group_read);
    REQUIRE(apply_edits(dir.path(), {replace("run.sh", "echo 1\n", "echo 2\n")})->ok());
    CHECK(get(dir.path() / "run.sh") == "echo 2\n");
    CHECK(fs::status(dir.path() / "run.sh").permissions() == (fs::perms::owner_all | fs::perms::group_read));
  }
}

TEST_CASE("apply_edits replaces whole small files only", "[edit]") {
  TempDir dir;
  ApplyLimits limits{.whole_file_max_bytes = 100};
  SECTION("a small file") {
    put(dir.path() / "s.py", "old\n");
    auto outcome = apply_edits(dir.path(), {whole_file("s.py", "new\n")}, limits);
    REQUIRE(outcome);
    CHECK(outcome->ok());
    CHECK(get(dir.path() / "s.py") == "new\n");
  }
  SECTION("a new file") {
    REQUIRE(apply_edits(dir.path(), {whole_file("pkg/n.py", "n\n")}, limits)->ok());
    CHECK(get(dir.path() / "pkg/n.py") == "n\n");
  }
  SECTION("a large file") {
    put(dir.path() / "big.py", std::string(101, 'x'));
    CHECK(failure_of(dir.path(), {whole_file("big.py", "new\n")}, limits) ==
          "the file has 101 bytes, more than the 100 a whole-file replacement may replace; change it with "
          "SEARCH/REPLACE blocks");
    CHECK(get(dir.path() / "big.py") == std::string(101, 'x'));
  }
  SECTION("unchanged content writes nothing") {
    put(dir.path() / "s.py", "same\n");
    auto outcome = apply_edits(dir.path(), {whole_file("s.py", "same\n")}, limits);
    REQUIRE(outcome);
    CHECK(outcome->ok());
    CHECK(outcome->written.empty());
  }
}

TEST_CASE("apply_edits refuses paths outside the worktree or inside .git", "[edit]") {
  TempDir dir;
  TempDir outside;
  fs::path root = dir.path() / "repo";
  fs::create_directories(root / ".git");
  put(root / ".git/config", "[core]\n");
  put(root / "a.py", "a\n");
  put(outside.path() / "secret.py", "s\n");

  std::string reason;
  SECTION("..") {
    reason = failure_of(root, {replace("../x.py", "", "x\n")});
    CHECK(reason == "the path contains '..'; use a path inside the repository, relative to its root");
    CHECK_FALSE(fs::exists(dir.path() / "x.py"));
  }
  SECTION("absolute") {
    reason = failure_of(root, {replace("/etc/passwd", "root", "")});
    CHECK(reason == "the path is absolute; use a path relative to the repository root");
  }
  SECTION(".git") {
    reason = failure_of(root, {whole_file(".git/config", "[evil]\n")});
    CHECK(reason == "the path is inside .git, which edits may not change");
    CHECK(get(root / ".git/config") == "[core]\n");
  }
  SECTION("a symlinked directory that points outside") {
    fs::create_directory_symlink(outside.path(), root / "link");
    reason = failure_of(root, {replace("link/secret.py", "s\n", "t\n")});
    CHECK(reason == "the path leads outside the repository through the symlink link");
    CHECK(get(outside.path() / "secret.py") == "s\n");
    CHECK(failure_of(root, {replace("link/new.py", "", "n\n")}) == reason);
    CHECK_FALSE(fs::exists(outside.path() / "new.py"));
  }
  SECTION("a symlink into .git") {
    fs::create_directory_symlink(root / ".git", root / "g");
    CHECK(failure_of(root, {whole_file("g/config", "x\n")}) ==
          "the path leads into .git, which edits may not change");
  }
  SECTION("a broken symlink") {
    fs::create_directory_symlink(outside.path() / "gone", root / "dangling");
    CHECK(failure_of(root, {replace("dangling/x.py", "", "x\n")}) ==
          "the path goes through the broken symlink dangling");
    CHECK_FALSE(fs::exists(outside.path() / "gone"));
  }
  SECTION("not a regular file") {
    REQUIRE(::mkfifo((root / "pipe").c_str(), 0600) == 0);
    CHECK(failure_of(root, {whole_file("pipe", "x\n")}) == "the path is not a regular file");
  }
  SECTION("a directory") {
    fs::create_directories(root / "pkg");
    CHECK(failure_of(root, {whole_file("pkg", "x\n")}) == "the path is a directory, not a file");
  }
  // The bad edit came after a good one: the good one was not written either.
  auto outcome = apply_edits(root, {replace("a.py", "a\n", "b\n"), replace("../x.py", "", "x\n")});
  REQUIRE(outcome);
  CHECK_FALSE(outcome->ok());
  CHECK(get(root / "a.py") == "a\n");
}

TEST_CASE("apply_edits follows a symlink that stays inside the worktree", "[edit]") {
  TempDir dir;
  fs::create_directories(dir.path() / "real");
  put(dir.path() / "real/a.py", "a\n");
  fs::create_directory_symlink("real", dir.path() / "alias");
  auto outcome =
      apply_edits(dir.path(), {replace("alias/a.py", "a\n", "b\n"), replace("./real//a.py", "b\n", "c\n")});
  REQUIRE(outcome);
  CHECK(outcome->ok());
  CHECK(outcome->written == std::vector<std::string>{"real/a.py"});
  CHECK(get(dir.path() / "real/a.py") == "c\n");
  CHECK(fs::is_symlink(dir.path() / "alias"));
}

TEST_CASE("apply_edits reports a missing worktree as an error", "[edit]") {
  TempDir dir;
  auto outcome = apply_edits(dir.path() / "nope", {replace("a.py", "", "a\n")});
  REQUIRE_FALSE(outcome);
  CHECK(outcome.error().message.starts_with("cannot open the worktree"));
}

// Its speed is a figure of bench_prompt_assembly (parse and apply on a 1 MB artifact), not a
// timed check here: a loaded CI machine or a sanitizer build would make one flake.
TEST_CASE("apply_edits edits four places in a 1 MB file", "[edit]") {
  TempDir dir;
  std::string big;
  for (int i = 0; big.size() < 1024 * 1024; ++i)
    big += fmt::format("    value_{} = compute(value_{}, {})  # keep\n", i, i, i % 13);
  put(dir.path() / "big.py", big);
  std::vector<Edit> edits;
  for (int i : {10, 9000, 17000, 20000})
    edits.push_back(replace("big.py",
                            fmt::format("    value_{} = compute(value_{}, {})  # keep\n", i, i, i % 13),
                            fmt::format("    value_{} = 0\n", i)));
  auto outcome = apply_edits(dir.path(), edits);
  REQUIRE(outcome);
  INFO(outcome->describe_failures());
  REQUIRE(outcome->ok());
  std::string after = get(dir.path() / "big.py");
  CHECK(after.find("    value_9000 = 0\n    value_9001 = compute") != std::string::npos);
  CHECK(after.find("    value_10 = 0\n    value_11 = compute") != std::string::npos);
  CHECK(after.find("    value_20000 = 0\n") != std::string::npos);
  CHECK(after.find("value_9000 = compute") == std::string::npos);
  CHECK(after.size() < big.size());
}
