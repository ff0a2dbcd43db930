// Every command anneal starts runs in its own process group, and the whole group goes when
// the command ends or times out: nothing an agent, gate, stage or parse command leaves in
// the background outlives its experiment, and the build does not wait for it. These run with
// `sandbox: off`: the pids the commands record must be the host's (in the sandbox its PID
// namespace ends them all; tests/system/sandbox_test.cc).
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// The process ids listed one per line in SCRATCH/`name`.
std::vector<int> read_pids(const TempRepo& repo, const std::string& name) {
  std::ifstream in(repo.scratch() / name);
  std::vector<int> pids;
  for (int pid = 0; in >> pid;)
    pids.push_back(pid);
  return pids;
}

/// Whether `pid` is a live process (a zombie waiting for a reaper is dead: it was killed
/// and only its exit status is left).
bool running(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string stat = ss.str();
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size())
    return false;
  char state = stat[paren + 2];
  return state != 'Z' && state != 'X';
}

/// Waits up to `seconds` for `pid` to stop running; true when it did.
bool ends_within(int pid, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (running(pid)) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

/// Kills what a failing test left behind, so it does not linger for 30 s.
struct PidReaper {
  const TempRepo& repo;
  std::string name;
  ~PidReaper() {
    for (int pid : read_pids(repo, name))
      if (pid > 1 && running(pid))
        ::kill(pid, SIGKILL);
  }
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("an agent past its timeout is killed with its whole process group and the build goes on",
          "[system]") {
  std::string prologue;
  SECTION("an agent that lets itself be stopped") {}
  SECTION("an agent that ignores SIGTERM, SIGINT and SIGHUP") { prologue = "  trap '' TERM INT HUP\n"; }

  TempRepo repo;
  PidReaper reaper{repo, "agent.pid"};
  repo.write("app.txt", "a\n");
  // Experiment 1 hangs with a background sleep; experiment 2 makes an ordinary edit.
  std::ofstream(repo.scratch() / "agent.sh") << with_scratch(
      "echo run >> SCRATCH/agent.count\n"
      "if [ \"$ANNEAL_EXPERIMENT\" = 1 ]; then\n" + prologue +
      "  echo $$ >> SCRATCH/agent.pid\n"
      "  sleep 30 & echo $! >> SCRATCH/agent.pid\n"
      "  sleep 30\n"
      "fi\n"
      "echo marker$ANNEAL_EXPERIMENT >> app.txt\n",
      repo);
  repo.write("Annealfile", with_scratch(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    agent: {kind: command, run: "sh SCRATCH/agent.sh", timeout: 1s, sandbox: off}
    stages:
      - {name: size, run: "wc -c < app.txt"}
    objective: {metric: size, direction: maximize}
    budget: {experiments: 2}
)",
                                        repo));
  repo.commit("project");

  auto start = std::chrono::steady_clock::now();
  Outcome build = repo.anneal("build");
  double seconds = seconds_since(start);
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  CHECK(seconds < 10);

  std::vector<int> pids = read_pids(repo, "agent.pid");
  REQUIRE(pids.size() == 2);
  CHECK(ends_within(pids[0], 2));  // the agent's shell
  CHECK(ends_within(pids[1], 2));  // its background sleep

  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 3);
  CHECK(history[1]["outcome"] == "crashed");
  CHECK(history[1]["detail"].get<std::string>().find("timed out") != std::string::npos);
  CHECK(history[2]["outcome"] == "kept");
  CHECK(count_lines(repo.scratch() / "agent.count") == 2);
  CHECK(repo.run("git show anneal/t:app.txt").out == "a\nmarker2\n");
  CHECK(repo.read("app.txt") == "a\n");
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a background process a command leaves behind is killed and not waited for", "[system]") {
  // The sleep keeps the command's stdout and stderr open: a runner that reads them to the end
  // would wait the full 30 s.
  const std::string leave = "sleep 30 & echo $! >> SCRATCH/left.pid; ";
  std::string agent = "echo marker$ANNEAL_EXPERIMENT >> app.txt";
  std::string gate = "true";
  std::string stage = "wc -c < app.txt";
  std::string parse = "cat";
  SECTION("agent") { agent = leave + agent; }
  SECTION("verify gate") { gate = leave + gate; }
  SECTION("stage") { stage = leave + stage; }
  SECTION("parse command") { parse = leave + parse; }

  TempRepo repo;
  PidReaper reaper{repo, "left.pid"};
  repo.write("app.txt", "a\n");
  repo.write("Annealfile", with_scratch(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    agent: {kind: command, run: ")" + agent + R"(", timeout: 20s, sandbox: off}
    verify: [{name: check, run: ")" + gate + R"(", timeout: 20s, sandbox: off}]
    stages:
      - {name: size, run: ")" + stage + R"(", parse: ")" + parse + R"(", timeout: 20s, sandbox: off}
    objective: {metric: size, direction: maximize}
    budget: {experiments: 1}
)",
                                        repo));
  repo.commit("project");

  auto start = std::chrono::steady_clock::now();
  Outcome build = repo.anneal("build");
  double seconds = seconds_since(start);
  INFO(repo.read("Annealfile") << build.out << build.err);
  REQUIRE(build.status == 0);
  CHECK(seconds < 10);

  std::vector<int> pids = read_pids(repo, "left.pid");
  REQUIRE_FALSE(pids.empty());
  for (int pid : pids)
    CHECK(ends_within(pid, 2));

  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  CHECK(history[0]["score"] == 2.0);
  CHECK(history[1]["outcome"] == "kept");
  CHECK(history[1]["score"] == 10.0);
  CHECK(repo.read("app.txt") == "a\n");
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}
