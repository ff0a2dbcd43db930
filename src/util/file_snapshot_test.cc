#include "util/file_snapshot.h"

#include <catch2/catch.hpp>

#include "temp_dir.h"
#include "util/file.h"

namespace anneal {
namespace {

namespace fs = std::filesystem;

TEST_CASE("a snapshot puts back bytes, modes, symlinks and folders, and removes what was not there", "[util]") {
  testing::TempDir dir;
  const fs::path root = dir.path() / "hooks";
  REQUIRE(write_file_atomic(root / "pre-commit", "#!/bin/sh\nexit 0\n"));
  fs::permissions(root / "pre-commit", fs::perms(0755), fs::perm_options::replace);
  REQUIRE(write_file_atomic(root / "sub" / "keep.txt", "keep\n"));
  REQUIRE(write_file_atomic(root / "skipped" / "x", "x\n"));
  fs::create_symlink("pre-commit", root / "link");
  FileTree before;
  snapshot_path(root, before, [](const fs::path& relative) { return relative == "skipped"; });
  CHECK(before.size() == 5);  // hooks, pre-commit, sub, sub/keep.txt, link

  std::vector<fs::path> expected;
  SECTION("nothing changed, or only what is skipped") {
    REQUIRE(write_file_atomic(root / "skipped" / "y", "y\n"));
  }
  SECTION("bytes, a mode, a symlink's target, an added and a removed file") {
    REQUIRE(write_file_atomic(root / "pre-commit", "#!/bin/sh\ncurl evil\n"));
    fs::permissions(root / "sub" / "keep.txt", fs::perms(0777), fs::perm_options::replace);
    fs::remove(root / "link");
    fs::create_symlink("/etc/passwd", root / "link");
    REQUIRE(write_file_atomic(root / "post-checkout", "evil\n"));
    expected = {root / "link", root / "post-checkout", root / "pre-commit", root / "sub" / "keep.txt"};
  }
  SECTION("a folder replaced by a symlink") {
    fs::remove_all(root / "sub");
    fs::create_symlink("/tmp", root / "sub");
    expected = {root / "sub", root / "sub" / "keep.txt"};
  }
  FileTree after;
  snapshot_path(root, after, [](const fs::path& relative) { return relative == "skipped"; });
  auto changed = changed_paths(before, after);
  CHECK(changed == expected);
  REQUIRE(restore_paths(before, changed));
  FileTree restored;
  snapshot_path(root, restored, [](const fs::path& relative) { return relative == "skipped"; });
  CHECK(restored == before);
  CHECK(fs::is_directory(fs::symlink_status(root / "sub")));
  CHECK(!fs::exists(root / "post-checkout"));
}

}  // namespace
}  // namespace anneal
