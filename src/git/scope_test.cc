#include "git/scope.h"

#include "git/test_repo.h"

namespace anneal::git {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

TEST_CASE("glob_match: * and ? stay within one component", "[git]") {
  CHECK(glob_match("*.py", "main.py"));
  CHECK(!glob_match("*.py", "src/main.py"));
  CHECK(glob_match("src/*.py", "src/main.py"));
  CHECK(!glob_match("src/*.py", "src/a/main.py"));
  CHECK(glob_match("src/?.py", "src/a.py"));
  CHECK(!glob_match("src/?.py", "src/ab.py"));
  CHECK(!glob_match("src?main.py", "src/main.py"));
  CHECK(glob_match("*", "anything"));
  CHECK(glob_match("a*b*c", "aXXbYYc"));
  CHECK(!glob_match("a*b*c", "aXXbYY"));
}

TEST_CASE("glob_match: ** spans any number of components, also none", "[git]") {
  CHECK(glob_match("src/**/x.py", "src/x.py"));
  CHECK(glob_match("src/**/x.py", "src/a/b/x.py"));
  CHECK(!glob_match("src/**/x.py", "lib/a/x.py"));
  CHECK(glob_match("src/**", "src/a/b/c.txt"));
  CHECK(!glob_match("src/**", "srcx/a"));
  CHECK(glob_match("**", "a/b/c"));
  CHECK(glob_match("**/*.py", "a.py"));
  CHECK(glob_match("**/*.py", "deep/down/a.py"));
  CHECK(!glob_match("**/*.py", "deep/down/a.pyc"));
}

TEST_CASE("glob_match: classes, escapes and directories", "[git]") {
  CHECK(glob_match("file[0-9].txt", "file7.txt"));
  CHECK(!glob_match("file[0-9].txt", "fileA.txt"));
  CHECK(glob_match("file[!0-9].txt", "fileA.txt"));
  CHECK(glob_match("[abc]", "b"));
  CHECK(!glob_match("[abc]", "d"));
  CHECK(glob_match("a\\*b", "a*b"));
  CHECK(!glob_match("a\\*b", "axb"));
  CHECK(glob_match("src", "src/a/b.py"));
  CHECK(glob_match("src/", "src/a.py"));
  CHECK(!glob_match("src", "srcfile"));
  CHECK(!glob_match("", "a"));
}

TEST_CASE("check_path gives the first reason in a fixed order", "[git]") {
  ScopeRules rules{{"src/**", "README.md"}, {"src/eval/**"}};
  auto reason = [&](std::string_view path) {
    auto violation = check_path(rules, path);
    return violation ? violation->reason : std::string("ok");
  };
  CHECK(reason("src/a.py") == "ok");
  CHECK(reason("README.md") == "ok");
  CHECK(reason("/etc/passwd") == "absolute path");
  CHECK(reason("/src/a.py") == "absolute path");
  CHECK(reason("src/../eval.py") == "path contains ..");
  CHECK(reason("../outside") == "path contains ..");
  CHECK(reason(".git/config") == "under .git");
  CHECK(reason("src/.git/hooks/pre-commit") == "under .git");
  CHECK(reason("src/.GIT/config") == "under .git");
  CHECK(reason("src/eval/score.py") == "immutable");
  CHECK(reason("tests/test_a.py") == "not editable");
  CHECK(reason("src/.gitignore") == "ok");
  auto violation = check_path(rules, "tests/test_a.py");
  REQUIRE(violation);
  CHECK(violation->path == "tests/test_a.py");
}

TEST_CASE("check_scope checks every change and where new symlinks point", "[git]") {
  TempDir wt;
  fs::create_directories(wt.path() / "src" / "sub");
  ScopeRules rules{{"src/**"}, {"src/eval.py"}};
  auto link = [&](const std::string& at, const std::string& target) {
    fs::create_symlink(target, wt.path() / at);
    return Change{at, ChangeKind::Added, true};
  };

  std::vector<Change> changes = {
      {"src/ok.py", ChangeKind::Modified, false},
      {"docs/x.md", ChangeKind::Deleted, false},
      {"src/eval.py", ChangeKind::Deleted, false},
      {".git", ChangeKind::Modified, false},
      link("src/inside.py", "ok.py"),
      link("src/sub/up.py", "../ok.py"),
      link("src/abs.py", "/etc/passwd"),
      link("src/escape.py", "../../outside"),
      link("src/sub/sneaky.py", "../../src/../../x"),
      link("src/gitconfig", "../.git/config"),
  };
  // A link the caller did not flag is still looked at on disk.
  fs::create_symlink("/etc/hosts", wt.path() / "src" / "unflagged");
  changes.push_back({"src/unflagged", ChangeKind::Added, false});

  std::string found;
  for (const auto& violation : check_scope(rules, changes, wt.path()))
    found += violation.path + ": " + violation.reason + "\n";
  CHECK(found ==
        "docs/x.md: not editable\n"
        "src/eval.py: immutable\n"
        ".git: under .git\n"
        "src/abs.py: symlink points outside the worktree\n"
        "src/escape.py: symlink points outside the worktree\n"
        "src/sub/sneaky.py: symlink points outside the worktree\n"
        "src/gitconfig: symlink points outside the worktree\n"
        "src/unflagged: symlink points outside the worktree\n");

  CHECK(check_scope(rules, {{"src/ok.py", ChangeKind::Added, false}}, wt.path()).empty());
}

}  // namespace
}  // namespace anneal::git
