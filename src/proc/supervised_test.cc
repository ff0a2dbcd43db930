#include "proc/supervised.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "proc/signal_name.h"
#include "temp_dir.h"
#include "util/file.h"

using anneal::proc::run_in_child;

TEST_CASE("a child's exit status and output come back", "[proc]") {
  auto end = run_in_child([] {
    std::printf("to stdout\n");
    std::fflush(stdout);
    std::fprintf(stderr, "to stderr\n");
    return 3;
  });
  REQUIRE(end);
  CHECK(end->signal == 0);
  CHECK(end->exit_code == 3);
  CHECK(end->output == "to stdout\nto stderr\n");
}

TEST_CASE("a child killed by a signal is reported with the signal and the end of what it printed", "[proc]") {
  auto end = run_in_child(
      [] {
        for (int i = 0; i < 1000; ++i)
          std::printf("line %d\n", i);
        std::fflush(stdout);
        ::signal(SIGSEGV, SIG_DFL);  // the test runner catches it
        ::raise(SIGSEGV);
        return 0;
      },
      100);
  REQUIRE(end);
  CHECK(end->signal == SIGSEGV);
  CHECK(end->output.size() == 100);
  CHECK_THAT(end->output, Catch::EndsWith("line 999\n"));
  CHECK(anneal::proc::signal_text(SIGSEGV) == "signal 11 (Segmentation fault)");
  CHECK(anneal::proc::signal_text(SIGKILL) == "signal 9 (Killed)");
}

TEST_CASE("a process the child leaves behind does not keep the parent waiting", "[proc]") {
  anneal::testing::TempDir dir;
  std::string pid_file = (dir.path() / "pid").string();
  // The grandchild holds the pipe open for 1000 s; waiting for the pipe to close would hang.
  auto end = run_in_child([&] { return std::system(("sleep 1000 & echo $! > " + pid_file).c_str()) == 0 ? 0 : 1; });
  REQUIRE(end);
  CHECK(end->exit_code == 0);
  auto pid = anneal::read_file(pid_file);
  REQUIRE(pid);
  ::kill(std::stoi(*pid), SIGKILL);
}
