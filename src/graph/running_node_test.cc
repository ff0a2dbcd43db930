#include "graph/running_node.h"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "git/test_repo.h"
#include "proc/host_name.h"
#include "util/file.h"

using namespace anneal::graph;
using anneal::git::testing::TempRepo;

TEST_CASE("a node runs while its mark's process lives here, or while a mark from another machine is there",
          "[graph][running]") {
  TempRepo repo;
  auto workspace = Workspace::open(repo.path());
  REQUIRE(workspace);
  auto key = anneal::cache::Digest::from_hex(std::string(32, 'a'));
  REQUIRE(key);
  CHECK_FALSE(running_node(*workspace, *key));
  {
    RunningMark mark(*workspace, *key);
    auto running = running_node(*workspace, *key);
    REQUIRE(running);
    CHECK(running->steps == 0);
    mark_step(*workspace, *key, 2, 3);
    running = running_node(*workspace, *key);
    REQUIRE(running);
    CHECK(running->step == 2);
    CHECK(running->steps == 3);
  }
  CHECK_FALSE(running_node(*workspace, *key));  // the mark goes with its node

  // A pid no process has: dead here, unknowable on a compute node.
  const int gone = 0x3ffffff0;
  auto path = workspace->anneal_dir() / "running" / key->hex();
  auto write = [&](const std::string& host) {
    REQUIRE(anneal::write_file_atomic(
        path, fmt::format(R"({{"v": 1, "pid": {}, "host": "{}", "started": 1764000000000}})", gone, host)));
  };
  write(anneal::proc::host_name());
  CHECK_FALSE(running_node(*workspace, *key));
  write("compute-node-7");
  CHECK(running_node(*workspace, *key));
}
