#include "git/changes.h"

#include "git/test_repo.h"
#include "git/worktree.h"

namespace anneal::git {
namespace {

namespace fs = std::filesystem;
using testing::must;
using testing::quote;
using testing::TempRepo;

/// A committed repository and one candidate worktree of it.
struct Fixture {
  TempRepo repo;
  std::string commit;
  fs::path wt;

  Fixture() {
    repo.write("src/main.py", "print('hi')\n");
    repo.write("src/util.py", "x = 1\n");
    repo.write("run.sh", "#!/bin/sh\n", true);
    repo.write("notes.txt", "notes\n");
    repo.write(".gitignore", "*.log\n");
    repo.write(".git/info/exclude", ".anneal/\n");
    fs::create_symlink("src/main.py", repo.path() / "link.py");
    commit = repo.commit("base");
    wt = repo.path() / ".anneal" / "worktrees" / "c1";
    auto opened = Repository::open(repo.path());
    REQUIRE(opened);
    REQUIRE(add_worktree(*opened, wt, "c1", commit));
  }

  void write(const std::string& relative, std::string_view contents, bool executable = false) {
    REQUIRE(write_file_atomic(wt / relative, contents));
    fs::permissions(wt / relative, executable ? fs::perms(0755) : fs::perms(0644),
                    fs::perm_options::replace);
  }

  std::string git_in_wt(const std::string& args) const { return must("git -C " + quote(wt) + " " + args); }

  std::vector<Change> changes() const {
    auto found = worktree_changes(wt);
    REQUIRE(found);
    return *found;
  }
};

std::string describe(const std::vector<Change>& changes) {
  std::string out;
  for (const auto& change : changes) {
    out += change.kind == ChangeKind::Added ? "A " : change.kind == ChangeKind::Deleted ? "D " : "M ";
    out += change.path;
    if (change.symlink)
      out += " (symlink)";
    out += "\n";
  }
  return out;
}

TEST_CASE("worktree_changes reports what differs from HEAD", "[git]") {
  Fixture f;
  CHECK(describe(f.changes()) == "");

  f.write("src/main.py", "print('better')\n");
  fs::remove(f.wt / "notes.txt");
  f.write("new/dir/added.py", "y = 2\n");
  fs::permissions(f.wt / "src/util.py", fs::perms(0755), fs::perm_options::replace);
  fs::create_symlink("../src/util.py", f.wt / "new/alias.py");
  fs::remove(f.wt / "link.py");
  fs::create_symlink("src/util.py", f.wt / "link.py");
  f.write("debug.log", "ignored\n");
  CHECK(describe(f.changes()) ==
        "M link.py (symlink)\n"
        "A new/alias.py (symlink)\n"
        "A new/dir/added.py\n"
        "D notes.txt\n"
        "M src/main.py\n"
        "M src/util.py\n");

  SECTION("a file replaced by a symlink") {
    fs::remove(f.wt / "run.sh");
    fs::create_symlink("/bin/sh", f.wt / "run.sh");
    auto found = f.changes();
    auto it = std::find_if(found.begin(), found.end(), [](const Change& c) { return c.path == "run.sh"; });
    REQUIRE(it != found.end());
    CHECK(it->kind == ChangeKind::Modified);
    CHECK(it->symlink);
  }
  SECTION("a directory replaced by a file") {
    fs::remove_all(f.wt / "src");
    f.write("src", "now a file\n");
    CHECK(describe(f.changes()).find("A src\nD src/main.py\nD src/util.py\n") != std::string::npos);
  }
}

TEST_CASE("worktree_changes sees staged changes and ignores reverted ones", "[git]") {
  Fixture f;
  SECTION("staged, then reverted on disk") {
    f.write("notes.txt", "changed\n");
    f.git_in_wt("add notes.txt");
    f.write("notes.txt", "notes\n");
    CHECK(describe(f.changes()) == "");
  }
  SECTION("staged and still changed") {
    f.write("staged.txt", "s\n");
    f.git_in_wt("add staged.txt");
    CHECK(describe(f.changes()) == "A staged.txt\n");
  }
}

TEST_CASE("worktree_changes reports tampering with .git", "[git]") {
  Fixture f;
  f.write("src/main.py", "print('better')\n");
  SECTION("the .git file rewritten") {
    std::string original = *read_file(f.wt / ".git");
    f.write(".git", "gitdir: /elsewhere\n");
    CHECK(describe(f.changes()) == "M .git\nM src/main.py\n");
    f.write(".git", original);
    CHECK(describe(f.changes()) == "M src/main.py\n");
  }
  SECTION("the .git file removed") {
    fs::remove(f.wt / ".git");
    CHECK(describe(f.changes()) == "D .git\nM src/main.py\n");
  }
  SECTION("a nested repository") {
    must("git init -q " + quote(f.wt / "sub"));
    f.write("sub/file.txt", "inner\n");
    CHECK(describe(f.changes()) == "M src/main.py\nA sub/.git\n");
  }
  SECTION("a .git file planted in a tracked directory") {
    f.write("src/.git", "gitdir: ../../../../.git\n");
    CHECK(describe(f.changes()).find("A src/.git\n") != std::string::npos);
  }
  SECTION("a .git directory inside an ignored directory is not a change") {
    f.write(".gitignore", "*.log\nbuild/\n");
    must("git init -q " + quote(f.wt / "build" / "dep"));
    CHECK(describe(f.changes()) == "M .gitignore\nM src/main.py\n");
  }
}

TEST_CASE("snapshot_tree writes what git add -A would, touching no index", "[git]") {
  Fixture f;
  f.write("src/main.py", "print('better')\n");
  fs::remove(f.wt / "notes.txt");
  f.write("new/tool.sh", "#!/bin/sh\necho tool\n", true);
  fs::create_symlink("../src/util.py", f.wt / "new/alias.py");
  f.write("image.bin", std::string("\0\x01\x02\xff", 4));
  f.write("debug.log", "ignored\n");

  std::string admin_index = *read_file(f.repo.path() / ".git" / "worktrees" / "c1" / "index");
  std::string user_index = *read_file(f.repo.path() / ".git" / "index");
  auto changes = f.changes();
  auto tree = snapshot_tree(f.wt, changes);
  REQUIRE(tree);
  CHECK(*read_file(f.repo.path() / ".git" / "worktrees" / "c1" / "index") == admin_index);
  CHECK(*read_file(f.repo.path() / ".git" / "index") == user_index);

  CHECK(f.repo.git("ls-tree -r " + *tree + " --format='%(objectmode) %(path)'") ==
        "100644 .gitignore\n"
        "100644 image.bin\n"
        "120000 link.py\n"
        "120000 new/alias.py\n"
        "100755 new/tool.sh\n"
        "100755 run.sh\n"
        "100644 src/main.py\n"
        "100644 src/util.py");
  CHECK(f.repo.git("cat-file blob " + *tree + ":new/alias.py") == "../src/util.py");

  f.git_in_wt("add -A");
  CHECK(*tree == f.git_in_wt("write-tree"));

  SECTION("no changes gives HEAD's tree") {
    auto same = snapshot_tree(f.wt, {});
    REQUIRE(same);
    CHECK(*same == f.repo.git("rev-parse " + f.commit + "^{tree}"));
  }
  f.repo.require_fsck_clean();
}

}  // namespace
}  // namespace anneal::git
