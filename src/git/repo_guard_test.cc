#include "git/repo_guard.h"

#include <set>

#include "git/test_repo.h"
#include "git/worktree.h"

namespace anneal::git {
namespace {

namespace fs = std::filesystem;
using testing::must;
using testing::quote;
using testing::shell;
using testing::TempRepo;

/// A repository with a commit, an uncommitted edit, a candidate worktree, and a record of
/// everything a user would compare after an agent ran.
struct Fixture {
  TempRepo repo;
  fs::path worktree;
  std::string commit;
  std::map<std::string, std::string> user_files;
  std::string status;
  std::string staged;

  Fixture() {
    repo.write("app.txt", "a\n");
    repo.write("notes.txt", "notes\n");
    commit = repo.commit("base");
    repo.write("notes.txt", "my uncommitted notes\n");
    worktree = repo.path() / ".anneal" / "worktrees" / "t" / "d0";
    auto opened = Repository::open(repo.path());
    REQUIRE(opened);
    REQUIRE(add_worktree(*opened, worktree, "anneal-t-d0", commit));
  }

  /// Runs `script` in the worktree, as an agent would, between taking the guard and
  /// restoring: returns the paths the guard named.
  std::set<std::string> agent(const std::string& script, RepoGuard* out = nullptr) {
    remember();
    auto guard = RepoGuard::take(repo.path(), repo.path() / ".git", worktree, {repo.path() / ".anneal"});
    REQUIRE(guard);
    auto ran = shell("cd " + quote(worktree) + " && " + script);
    INFO(script << "\n" << ran.output);
    REQUIRE(ran.status == 0);
    auto breaches = guard->restore(aside());
    REQUIRE(breaches);
    std::set<std::string> paths;
    for (const auto& b : *breaches)
      paths.insert(b.path);
    if (out != nullptr)
      *out = std::move(*guard);
    return paths;
  }

  fs::path aside() const { return repo.path() / ".anneal" / "guard" / "k"; }

  void remember() {
    status = repo.git("status --porcelain");
    staged = repo.git("ls-files -s");
    user_files.clear();
    for (const char* name : {".git/config", ".git/HEAD", ".git/index", ".git/info/exclude"})
      user_files[name] = read_file_if_exists(repo.path() / name).value_or("(missing)");
  }

  /// `index_bytes`: false where the agent ran a `git status` that refreshed the index.
  void require_user_state_back(bool index_bytes = true) const {
    for (const auto& [name, bytes] : user_files)
      if (index_bytes || name != ".git/index")
        CHECK(read_file_if_exists(repo.path() / name).value_or("(missing)") == bytes);
    CHECK(repo.git("ls-files -s") == staged);
    CHECK(repo.git("for-each-ref --format='%(refname) %(objectname)' refs/heads/main refs/heads/evil refs/tags") ==
          "refs/heads/main " + commit);
    CHECK(repo.git("config --get core.fsmonitor || true").empty());
    CHECK(!fs::exists(repo.path() / ".git" / "hooks" / "pre-commit"));
    CHECK(repo.git("status --porcelain") == status);
    repo.require_fsck_clean();
  }
};

TEST_CASE("the guard lets an agent's own git work in its worktree pass", "[git][guard]") {
  Fixture f;
  SECTION("editing and committing in the worktree") {
    CHECK(f.agent("echo b >> app.txt && git add app.txt && git -c user.name=a -c user.email=a@a commit -qm x")
              .empty());
  }
  SECTION("anneal's own refs, git pack-refs, and a git status that refreshes the user's index") {
    CHECK(f.agent("git update-ref refs/anneal/t/x HEAD && git update-ref refs/heads/anneal/t HEAD && "
                  "touch ../../../../app.txt && git -C ../../../.. status -s >/dev/null && git pack-refs --all")
              .empty());
  }
  f.require_user_state_back(false);
}

TEST_CASE("the guard names and puts back what an agent changed outside its worktree", "[git][guard]") {
  Fixture f;
  std::set<std::string> expected;
  std::string script;
  SECTION("a hook") {
    script = "printf '#!/bin/sh\\ntouch /tmp/pwned\\n' > \"$(git rev-parse --git-common-dir)/hooks/pre-commit\" && "
             "chmod +x \"$(git rev-parse --git-common-dir)/hooks/pre-commit\"";
    expected = {".git/hooks/pre-commit"};
  }
  SECTION("the hooks folder replaced by a symlink") {
    script = "mkdir evil && common=$(git rev-parse --git-common-dir) && rm -rf \"$common/hooks\" && "
             "ln -s \"$PWD/evil\" \"$common/hooks\"";
    expected = {".git/hooks"};
  }
  SECTION("core.fsmonitor and core.hooksPath in the repository's config") {
    script = "git config core.fsmonitor 'touch /tmp/pwned' && git config core.hooksPath /tmp";
    expected = {".git/config"};
  }
  SECTION("info/attributes and info/exclude") {
    script = "common=$(git rev-parse --git-common-dir) && echo '* filter=x' > \"$common/info/attributes\" && "
             "echo '*.txt' >> \"$common/info/exclude\"";
    expected = {".git/info/attributes", ".git/info/exclude"};
  }
  SECTION("git add into the user's index") {
    script = "cd ../../../.. && git add notes.txt";
    expected = {".git/index"};
  }
  SECTION("moving refs/heads/main and making a branch") {
    script = "echo b >> app.txt && git add app.txt && git -c user.name=a -c user.email=a@a commit -qm x && "
             "git update-ref refs/heads/main HEAD && git branch evil HEAD";
    expected = {".git/refs/heads/main", ".git/refs/heads/evil"};
  }
  SECTION("moving a packed ref by editing packed-refs") {
    f.repo.git("pack-refs --all");
    script = "common=$(git rev-parse --git-common-dir) && sed -i 's/^[0-9a-f]* refs\\/heads\\/main/" +
             std::string(40, '1') + " refs\\/heads\\/main/' \"$common/packed-refs\"";
    expected = {".git/refs/heads/main"};
  }
  SECTION("the user's HEAD") {
    script = "echo 'ref: refs/heads/other' > \"$(git rev-parse --git-common-dir)/HEAD\"";
    expected = {".git/HEAD"};
  }
  SECTION("another worktree of the user's: its HEAD, and a new one registered") {
    f.repo.git("worktree add -q --detach wt-user");
    script = "common=$(git rev-parse --git-common-dir) && echo " + std::string(40, '2') +
             " > \"$common/worktrees/wt-user/HEAD\" && mkdir \"$common/worktrees/evil\" && "
             "echo /tmp/evil/.git > \"$common/worktrees/evil/gitdir\"";
    expected = {".git/worktrees/wt-user/HEAD", ".git/worktrees/evil/gitdir"};
  }
  SECTION("another candidate's worktree config") {
    auto opened = Repository::open(f.repo.path());
    REQUIRE(opened);
    REQUIRE(add_worktree(*opened, f.repo.path() / ".anneal" / "worktrees" / "t" / "d1", "anneal-t-d1", f.commit));
    script = "git -C ../d1 config --worktree core.fsmonitor x 2>/dev/null || echo x > \"$(git rev-parse "
             "--git-common-dir)/worktrees/anneal-t-d1/config.worktree\"";
    expected = {".git/worktrees/anneal-t-d1/config.worktree"};
  }
  SECTION("the worktree's own config.worktree") {
    script = "git config extensions.worktreeConfig true && git config --worktree core.fsmonitor 'touch /tmp/pwned'";
    expected = {".git/config", ".git/worktrees/anneal-t-d0/config.worktree"};
  }
  auto paths = f.agent(script);
  CHECK(paths == expected);
  f.require_user_state_back();
  CHECK(fs::is_directory(fs::symlink_status(f.repo.path() / ".git" / "hooks")));
}

TEST_CASE("the guard says when the worktree's .git was replaced", "[git][guard]") {
  Fixture f;
  RepoGuard guard = *RepoGuard::take(f.repo.path(), f.repo.path() / ".git", f.worktree, {});
  auto paths = f.agent("rm -rf .git && git init -q", &guard);
  CHECK(paths == std::set<std::string>{".git"});
  CHECK(guard.worktree_replaced());
  f.require_user_state_back();
}

}  // namespace
}  // namespace anneal::git
