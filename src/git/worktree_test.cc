#include "git/worktree.h"

#include <chrono>

#include "git/test_repo.h"

namespace anneal::git {
namespace {

namespace fs = std::filesystem;
using testing::must;
using testing::quote;
using testing::TempDir;
using testing::TempRepo;

/// A repository with a few kinds of files, committed, and an uncommitted edit of the user's
/// that anneal must leave alone.
struct Fixture {
  TempRepo repo;
  std::string commit;
  std::string user_status;
  std::string user_index;
  std::string user_branches;

  Fixture() {
    repo.write("src/main.py", "print('hi')\n");
    repo.write("run.sh", "#!/bin/sh\n", true);
    fs::create_symlink("src/main.py", repo.path() / "link.py");
    repo.write(".git/info/exclude", ".anneal/\n");
    commit = repo.commit("base");
    repo.write("src/main.py", "print('user edit')\n");
    repo.write("scratch.txt", "untracked\n");
    snapshot_user_state();
  }

  void snapshot_user_state() {
    user_status = repo.git("status --porcelain");
    user_index = *read_file(repo.path() / ".git" / "index");
    user_branches = repo.git("for-each-ref --format='%(refname) %(objectname)'");
  }

  void require_user_state_unchanged() const {
    CHECK(repo.git("status --porcelain") == user_status);
    CHECK(*read_file(repo.path() / ".git" / "index") == user_index);
    CHECK(repo.git("for-each-ref --format='%(refname) %(objectname)'") == user_branches);
    CHECK(repo.git("symbolic-ref HEAD") == "refs/heads/main");
  }

  fs::path worktrees() const { return repo.path() / ".anneal" / "worktrees"; }

  Repository open() const {
    auto opened = Repository::open(repo.path());
    REQUIRE(opened);
    return std::move(*opened);
  }

  std::string git_in(const fs::path& dir, const std::string& args) const {
    return must("git -C " + quote(dir) + " " + args);
  }
};

TEST_CASE("add_worktree makes a detached checkout git itself accepts", "[git]") {
  Fixture f;
  Repository repo = f.open();
  fs::path path = f.worktrees() / "c1";
  REQUIRE(add_worktree(repo, path, "c1", f.commit));

  CHECK(f.git_in(path, "status --porcelain") == "");
  CHECK(f.git_in(path, "rev-parse HEAD") == f.commit);
  CHECK(f.git_in(path, "rev-parse --abbrev-ref HEAD") == "HEAD");
  CHECK(*read_file(path / "src" / "main.py") == "print('hi')\n");
  CHECK(fs::is_symlink(path / "link.py"));
  CHECK(fs::read_symlink(path / "link.py") == "src/main.py");
  CHECK((fs::status(path / "run.sh").permissions() & fs::perms::owner_exec) != fs::perms::none);
  CHECK(f.repo.git("worktree list --porcelain").find("worktree " + path.string() + "\nHEAD " +
                                                    f.commit + "\ndetached") != std::string::npos);
  f.require_user_state_unchanged();
  f.repo.require_fsck_clean();
}

TEST_CASE("add_worktree replaces a worktree at the same path and refuses a taken name", "[git]") {
  Fixture f;
  Repository repo = f.open();
  fs::path path = f.worktrees() / "c1";
  REQUIRE(add_worktree(repo, path, "c1", f.commit));
  f.repo.write(".anneal/worktrees/c1/leftover.txt", "agent output\n");

  SECTION("same path, same name") {
    REQUIRE(add_worktree(repo, path, "c1", f.commit));
    CHECK(!fs::exists(path / "leftover.txt"));
    CHECK(f.git_in(path, "status --porcelain") == "");
  }
  SECTION("same name, other path") {
    auto taken = add_worktree(repo, f.worktrees() / "c2", "c1", f.commit);
    REQUIRE(!taken);
    CHECK(taken.error().message == "worktree name 'c1' is already used by " + path.string());
  }
  SECTION("invalid name") {
    CHECK(!add_worktree(repo, f.worktrees() / "c2", "a/b", f.commit));
  }
  SECTION("unknown commit") {
    CHECK(!add_worktree(repo, f.worktrees() / "c2", "c2", std::string(40, '1')));
    CHECK(!fs::exists(f.repo.path() / ".git" / "worktrees" / "c2"));
  }
  f.require_user_state_unchanged();
  f.repo.require_fsck_clean();
}

TEST_CASE("remove_worktree deletes the files and the admin directory", "[git]") {
  Fixture f;
  Repository repo = f.open();
  fs::path path = f.worktrees() / "c1";
  REQUIRE(add_worktree(repo, path, "c1", f.commit));
  SECTION("intact worktree") {}
  SECTION("the agent deleted the .git file") { fs::remove(path / ".git"); }
  SECTION("the agent rewrote the .git file") { f.repo.write(".anneal/worktrees/c1/.git", "junk\n"); }
  SECTION("the agent replaced .git with a repository of its own") {
    must("cd " + quote(path) + " && rm -rf .git && git init -q");
  }

  REQUIRE(remove_worktree(repo, path));
  CHECK(!fs::exists(path));
  CHECK(!fs::exists(f.repo.path() / ".git" / "worktrees" / "c1"));
  CHECK(f.repo.git("worktree list --porcelain").find(path.string()) == std::string::npos);
  f.require_user_state_unchanged();
  f.repo.require_fsck_clean();
}

TEST_CASE("remove_worktree refuses to delete the user's checkout or another repository", "[git]") {
  Fixture f;
  Repository repo = f.open();
  CHECK(!remove_worktree(repo, f.repo.path()));
  CHECK(!remove_worktree(repo, f.repo.path() / ".."));
  TempRepo other;
  CHECK(!remove_worktree(repo, other.path()));
  CHECK(fs::exists(other.path() / ".git"));
  CHECK(fs::exists(f.repo.path() / "src" / "main.py"));
}

TEST_CASE("prune_worktrees removes worktrees under a folder and stale admin entries", "[git]") {
  Fixture f;
  Repository repo = f.open();
  TempDir elsewhere;
  REQUIRE(add_worktree(repo, f.worktrees() / "a", "a", f.commit));
  REQUIRE(add_worktree(repo, f.worktrees() / "b", "b", f.commit));
  REQUIRE(add_worktree(repo, elsewhere.path() / "kept", "kept", f.commit));
  REQUIRE(add_worktree(repo, elsewhere.path() / "gone", "gone", f.commit));
  fs::remove_all(elsewhere.path() / "gone");

  auto pruned = prune_worktrees(repo, f.worktrees());
  REQUIRE(pruned);
  CHECK(*pruned == 3);
  CHECK(!fs::exists(f.worktrees() / "a"));
  CHECK(!fs::exists(f.worktrees() / "b"));
  CHECK(fs::exists(elsewhere.path() / "kept" / "run.sh"));
  std::string listed = f.repo.git("worktree list --porcelain");
  CHECK(listed.find("/kept\n") != std::string::npos);
  CHECK(listed.find("/a\n") == std::string::npos);
  CHECK(listed.find("/gone\n") == std::string::npos);
  CHECK(f.repo.git("worktree prune --dry-run --verbose") == "");

  auto again = prune_worktrees(repo, f.worktrees());
  REQUIRE(again);
  CHECK(*again == 0);
  REQUIRE(remove_worktree(repo, elsewhere.path() / "kept"));
  f.require_user_state_unchanged();
  f.repo.require_fsck_clean();
}

}  // namespace
}  // namespace anneal::git

namespace anneal::git {
namespace {

TEST_CASE("prune_worktrees leaves another target's worktree alone while it may be being made", "[git]") {
  Fixture f;
  Repository repo = f.open();
  // What add_worktree has written of b's worktree before the worktree's own .git.
  fs::path admin = f.repo.path() / ".git" / "worktrees" / "anneal-b-d0";
  fs::path worktree = f.worktrees() / "b" / "d0";
  REQUIRE(write_file_atomic(admin / "gitdir", (worktree / ".git").string() + "\n"));
  REQUIRE(make_dirs(worktree));
  REQUIRE(make_dirs(f.worktrees() / "a"));

  auto pruned = prune_worktrees(repo, f.worktrees() / "a");
  REQUIRE(pruned);
  CHECK(*pruned == 0);
  CHECK(fs::exists(admin / "gitdir"));
  SECTION("b's own build prunes it") {
    auto own = prune_worktrees(repo, f.worktrees() / "b");
    REQUIRE(own);
    CHECK(*own == 1);
  }
  SECTION("any build prunes it once it is old") {
    fs::last_write_time(admin, fs::file_time_type::clock::now() - std::chrono::minutes(2));
    auto later = prune_worktrees(repo, f.worktrees() / "a");
    REQUIRE(later);
    CHECK(*later == 1);
  }
  CHECK(!fs::exists(admin));
  f.repo.require_fsck_clean();
}

TEST_CASE("prune_worktrees removes a folder whose .git an agent replaced, admin directory gone too", "[git]") {
  Fixture f;
  Repository repo = f.open();
  fs::path path = f.worktrees() / "a";
  REQUIRE(add_worktree(repo, path, "a", f.commit));
  must("cd " + quote(path) + " && rm -rf \"$(git rev-parse --git-dir)\" .git && git init -q");
  auto pruned = prune_worktrees(repo, f.worktrees());
  REQUIRE(pruned);
  CHECK(!fs::exists(path));
  // A repository elsewhere, even one an admin directory names, is never removed.
  TempRepo other;
  CHECK(!remove_worktree(repo, other.path(), f.worktrees()));
  CHECK(fs::exists(other.path() / ".git"));
  f.require_user_state_unchanged();
  f.repo.require_fsck_clean();
}

}  // namespace
}  // namespace anneal::git
