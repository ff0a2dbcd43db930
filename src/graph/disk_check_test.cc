#include "graph/disk_check.h"

#include <catch2/catch.hpp>

#include "git/test_repo.h"
#include "util/file.h"

using namespace anneal::graph;
using anneal::git::testing::TempRepo;

TEST_CASE("the disk check names what takes the space under .anneal/, largest first", "[graph][disk]") {
  TempRepo repo;
  auto workspace = Workspace::open(repo.path());
  REQUIRE(workspace);
  const auto& dir = workspace->anneal_dir();
  REQUIRE(anneal::write_file_atomic(dir / "cache" / "ab" / "entry", std::string(300 * 1024, 'c')));
  REQUIRE(anneal::write_file_atomic(dir / "worktrees" / "t" / "file", std::string(100 * 1024, 'w')));

  auto uses = disk_use(dir);
  REQUIRE(uses.size() >= 3);
  CHECK(uses[0].name == "cache");
  CHECK(uses[0].bytes >= 300 * 1024);
  CHECK(uses[1].name == "worktrees");

  SECTION("enough room, or no check") {
    CHECK(check_free_disk(*workspace, 1, "t", 3));
    CHECK(check_free_disk(*workspace, 0, "t", 3));
  }
  SECTION("too little room") {
    // More than any disk holds: the message a full disk gives, without filling one (disk_test.cc does).
    auto checked = check_free_disk(*workspace, uint64_t{1} << 60, "t", 3);
    REQUIRE_FALSE(checked);
    const std::string& message = checked.error().message;
    CHECK_THAT(message, Catch::StartsWith("t: stopped before experiment #3, nothing of it written: only "));
    CHECK_THAT(message, Catch::Contains("on the file system of " + dir.string() +
                                        " (safety.min_free_disk is 1073741824 GiB)\nwhat takes the space under "
                                        ".anneal/, largest first: cache 3"));
    CHECK_THAT(message, Catch::Contains(", worktrees 1"));
    CHECK_THAT(message, Catch::EndsWith("some with `anneal cache gc --max-size SIZE` (the cache) or `anneal "
                                        "clean` (worktrees and build files), or lower safety.min_free_disk in the "
                                        "Annealfile"));
  }
}
