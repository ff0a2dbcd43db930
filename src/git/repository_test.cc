#include "git/repository.h"

#include "git/test_repo.h"

namespace anneal::git {
namespace {

using testing::must;
using testing::quote;
using testing::TempDir;
using testing::TempRepo;
namespace fs = std::filesystem;

TEST_CASE("Repository::open finds the repository above a subdirectory", "[git]") {
  TempRepo repo;
  repo.write("src/deep/file.txt", "x\n");
  auto opened = Repository::open(repo.path() / "src" / "deep");
  REQUIRE(opened);
  CHECK(opened->workdir() == repo.path());
  CHECK(opened->git_dir() == repo.path() / ".git");
}

TEST_CASE("Repository::open refuses what is not a usable repository", "[git]") {
  SECTION("no repository") {
    TempDir dir;
    auto opened = Repository::open(dir.path());
    REQUIRE(!opened);
    CHECK(opened.error().message ==
          "not a git repository (or any parent): " + dir.path().string());
  }
  SECTION("bare repository") {
    TempDir dir;
    must("git init -q --bare " + quote(dir.path() / "bare.git"));
    auto opened = Repository::open(dir.path() / "bare.git");
    REQUIRE(!opened);
    CHECK(opened.error().message.find("bare repository") != std::string::npos);
  }
}

TEST_CASE("head_commit names the commit or says to commit first", "[git]") {
  TempRepo repo;
  auto opened = Repository::open(repo.path());
  REQUIRE(opened);
  SECTION("unborn branch") {
    auto head = opened->head_commit();
    REQUIRE(!head);
    CHECK(head.error().message.find("the repository at " + repo.path().string() +
                                    " has no commits yet; commit your files first") == 0);
  }
  SECTION("after a commit") {
    repo.write("a.txt", "a\n");
    std::string commit = repo.commit();
    auto head = opened->head_commit();
    REQUIRE(head);
    CHECK(*head == commit);
  }
  repo.require_fsck_clean();
}

TEST_CASE("has_uncommitted_changes looks at tracked files only", "[git]") {
  TempRepo repo;
  repo.write("a.txt", "a\n");
  repo.commit();
  auto opened = Repository::open(repo.path());
  REQUIRE(opened);
  CHECK(!opened->has_uncommitted_changes());
  SECTION("untracked file") {
    repo.write("new.txt", "n\n");
    CHECK(!opened->has_uncommitted_changes());
  }
  SECTION("edited tracked file") {
    repo.write("a.txt", "b\n");
    CHECK(opened->has_uncommitted_changes());
  }
  SECTION("staged new file") {
    repo.write("new.txt", "n\n");
    repo.git("add new.txt");
    CHECK(opened->has_uncommitted_changes());
  }
  repo.require_fsck_clean();
}

TEST_CASE("references are resolved, set and deleted by prefix", "[git]") {
  TempRepo repo;
  repo.write("a.txt", "a\n");
  std::string first = repo.commit();
  repo.write("a.txt", "b\n");
  std::string second = repo.commit();
  auto opened = Repository::open(repo.path());
  REQUIRE(opened);

  auto missing = opened->resolve_ref("refs/anneal/t/1");
  REQUIRE(missing);
  CHECK(!*missing);

  REQUIRE(opened->set_ref("refs/anneal/t/1", first, "anneal: candidate 1"));
  REQUIRE(opened->set_ref("refs/anneal/t/2", second, "anneal: candidate 2"));
  REQUIRE(opened->set_ref("refs/anneal/other/1", second, "anneal: other"));
  REQUIRE(opened->set_ref("refs/heads/anneal/t", first, "anneal: incumbent"));
  REQUIRE(opened->set_ref("refs/heads/anneal/t", second, "anneal: new incumbent"));
  CHECK(repo.git("rev-parse refs/heads/anneal/t") == second);
  CHECK(repo.git("rev-parse refs/anneal/t/1") == first);
  auto resolved = opened->resolve_ref("refs/anneal/t/2");
  REQUIRE(resolved);
  CHECK(*resolved == second);

  auto bad = opened->set_ref("refs/anneal/t/3", std::string(40, 'f'), "missing");
  CHECK(!bad);
  auto tree = opened->tree_of(first);
  REQUIRE(tree);
  auto not_commit = opened->set_ref("refs/anneal/t/3", *tree, "a tree");
  REQUIRE(!not_commit);
  CHECK_THAT(not_commit.error().message, Catch::Contains(*tree));
  CHECK(repo.git("for-each-ref refs/anneal/t/3").empty());
  // A short id or a name is resolved as before.
  REQUIRE(opened->set_ref("refs/anneal/other/2", first.substr(0, 12), "short id"));
  CHECK(repo.git("rev-parse refs/anneal/other/2") == first);
  // The incumbent branch's reflog names the configured user, like git's own entries.
  CHECK(repo.git("reflog show --format='%gn <%ge> %gs' -1 refs/heads/anneal/t") ==
        repo.git("config user.name") + " <" + repo.git("config user.email") + "> anneal: new incumbent");

  auto deleted = opened->delete_refs("refs/anneal/t/");
  REQUIRE(deleted);
  CHECK(*deleted == 2);
  CHECK(repo.git("for-each-ref --format='%(refname)'") ==
        "refs/anneal/other/1\nrefs/anneal/other/2\nrefs/heads/anneal/t\nrefs/heads/main");
  repo.require_fsck_clean();
}

TEST_CASE("objects, trees, times and file contents at a commit", "[git]") {
  TempRepo repo;
  repo.write("dir/a.txt", "hello\n");
  std::string commit = repo.commit();
  auto opened = Repository::open(repo.path());
  REQUIRE(opened);

  CHECK(opened->has_object(commit));
  CHECK(!opened->has_object(std::string(40, '0')));
  CHECK(!opened->has_object("not-an-id"));

  auto tree = opened->tree_of(commit);
  REQUIRE(tree);
  CHECK(*tree == repo.git("rev-parse HEAD^{tree}"));
  auto time = opened->commit_time(commit);
  REQUIRE(time);
  CHECK(std::to_string(*time) == repo.git("log -1 --format=%ct"));

  auto file = opened->read_file_at(commit, "dir/a.txt");
  REQUIRE(file);
  REQUIRE(*file);
  CHECK(**file == "hello\n");
  auto absent = opened->read_file_at(commit, "dir/none.txt");
  REQUIRE(absent);
  CHECK(!*absent);
  CHECK(!opened->read_file_at(commit, "dir"));
  CHECK(!opened->tree_of(std::string(40, '0')));
  repo.require_fsck_clean();
}

TEST_CASE("commit_tree is deterministic and moves no reference", "[git]") {
  TempRepo repo;
  repo.write("a.txt", "a\n");
  std::string parent = repo.commit();
  repo.write("a.txt", "b\n");
  repo.git("add a.txt");
  std::string tree = repo.git("write-tree");
  auto opened = Repository::open(repo.path());
  REQUIRE(opened);

  auto first = opened->commit_tree(tree, parent, "anneal: candidate\n", 1700000000);
  auto second = opened->commit_tree(tree, parent, "anneal: candidate\n", 1700000000);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(*first == *second);
  auto later = opened->commit_tree(tree, parent, "anneal: candidate\n", 1700000001);
  REQUIRE(later);
  CHECK(*later != *first);

  CHECK(repo.git("rev-parse HEAD") == parent);
  CHECK(repo.git("log -1 --format='%an <%ae> %at %ai|%cn <%ce> %ct|%B|%P|%T' " + *first) ==
        "anneal <anneal@localhost> 1700000000 2023-11-14 22:13:20 +0000|"
        "anneal <anneal@localhost> 1700000000|anneal: candidate\n|" + parent + "|" + tree);
  CHECK(!opened->commit_tree(std::string(40, '0'), parent, "x", 0));
  repo.require_fsck_clean();
}

TEST_CASE("diff_patch and apply_patch round-trip every kind of change", "[git]") {
  TempRepo repo;
  repo.write("edited.txt", "one\ntwo\nthree\n");
  repo.write("deleted.txt", "bye\n");
  repo.write("script.sh", "#!/bin/sh\necho hi\n");
  repo.write("image.bin", std::string("\x89PNG\0\0\x01\x02", 8));
  std::string base = repo.commit("base");

  repo.write("edited.txt", "one\nTWO\nthree\n");
  fs::remove(repo.path() / "deleted.txt");
  repo.write("added/new.txt", "new\n");
  repo.write("script.sh", "#!/bin/sh\necho hi\n", true);
  repo.write("image.bin", std::string("\x89PNG\0\xff\x01\x02\x03", 9));
  std::string changed = repo.commit("changed");

  auto opened = Repository::open(repo.path());
  REQUIRE(opened);
  auto patch = opened->diff_patch(base, changed);
  REQUIRE(patch);
  CHECK(patch->find("GIT binary patch") != std::string::npos);
  CHECK(patch->find("new mode 100755") != std::string::npos);
  CHECK(patch->find("deleted file mode") != std::string::npos);
  CHECK(patch->find("new file mode") != std::string::npos);

  auto tree = opened->apply_patch(base, *patch);
  REQUIRE(tree);
  CHECK(*tree == repo.git("rev-parse " + changed + "^{tree}"));

  SECTION("an empty patch keeps the tree") {
    auto same = opened->diff_patch(base, base);
    REQUIRE(same);
    CHECK(same->empty());
    auto unchanged = opened->apply_patch(base, *same);
    REQUIRE(unchanged);
    CHECK(*unchanged == repo.git("rev-parse " + base + "^{tree}"));
  }
  SECTION("a patch that does not apply says so") {
    auto conflicting = opened->apply_patch(changed, *patch);
    REQUIRE(!conflicting);
    CHECK(conflicting.error().message.find("the patch does not apply to " + changed) == 0);
  }
  SECTION("garbage is not a patch") {
    auto garbage = opened->apply_patch(base, "diff --git a/x\nnonsense\n@@@\n");
    CHECK(!garbage);
  }
  repo.require_fsck_clean();
}

}  // namespace
}  // namespace anneal::git
