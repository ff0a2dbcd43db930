#include "git/tree_diff.h"

#include "git/test_repo.h"

namespace anneal::git {
namespace {

using testing::TempRepo;

TEST_CASE("changed_paths names what differs between two commits' trees", "[git]") {
  TempRepo repo;
  repo.write("score.sh", "echo 1\n");
  repo.write("docs/readme.md", "hello\n");
  repo.write("old.txt", "x\n");
  std::string first = repo.commit("first");
  repo.write("score.sh", "echo 2\n");
  repo.git("mv old.txt new.txt");
  repo.write("run.sh", "true\n", true);
  std::string second = repo.commit("second");
  auto opened = Repository::open(repo.path());
  REQUIRE(opened);

  auto changed = changed_paths(*opened, first, second);
  REQUIRE(changed);
  CHECK(*changed == std::vector<std::string>{"new.txt", "old.txt", "run.sh", "score.sh"});

  auto same = changed_paths(*opened, second, second);
  REQUIRE(same);
  CHECK(same->empty());

  // An empty commit moves HEAD but changes no file.
  repo.git("commit -q --allow-empty -m empty");
  auto empty = changed_paths(*opened, second, "HEAD");
  REQUIRE(empty);
  CHECK(empty->empty());

  auto missing = changed_paths(*opened, first, "0123456789012345678901234567890123456789");
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains("cannot find commit 0123456789"));
}

}  // namespace
}  // namespace anneal::git
