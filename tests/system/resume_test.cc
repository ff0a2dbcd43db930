// Interrupted and concurrent builds: kill -9, a torn ledger line, a held lock, `anneal stop`.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "processes.h"

using namespace anneal::system_test;
namespace fs = std::filesystem;

namespace {

/// A slow agent (~0.3 s) that records its pid in `scratch/agent` and sets score.txt from its seed.
/// Unsandboxed (set_up), so the pid is the host's.
std::string slow_agent(const TempRepo& repo) {
  return fmt::format(
      "echo $$ >> {}/agent\n"
      "sleep 0.3\n"
      "n=$(awk -v s=\"$ANNEAL_SEED\" 'BEGIN {{ print substr(s, length(s) - 1) + 1 }}')\n"
      "echo \"$n\" > score.txt\n"
      "echo \"score becomes $n\" > \"$ANNEAL_HYPOTHESIS_FILE\"\n",
      repo.scratch().string());
}

void set_up(const TempRepo& repo, int experiments) {
  repo.write("agent.sh", slow_agent(repo));
  repo.write("score.txt", "150\n");
  repo.write("Annealfile", fmt::format(R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {{kind: command, run: "sh agent.sh", sandbox: off}}
    stages: [{{name: score, run: "cat score.txt"}}]
    objective: {{metric: score, direction: minimize}}
    budget: {{experiments: {}}}
)",
                                       experiments));
  repo.commit("project");
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const char* const k_ledger = ".anneal/targets/t/experiments.jsonl";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

/// Every ledger line is valid JSON and the ids are exactly 0..last, in order.
void check_ledger(const TempRepo& repo, int last) {
  auto lines = lines_of(repo.read(k_ledger));
  REQUIRE(lines.size() == static_cast<size_t>(last + 1));
  for (size_t i = 0; i < lines.size(); ++i) {
    INFO(lines[i]);
    REQUIRE(nlohmann::json::accept(lines[i]));
    CHECK(nlohmann::json::parse(lines[i])["id"].get<size_t>() == i);
  }
}

std::vector<int> living(const std::vector<int>& pids) {
  std::vector<int> alive;
  for (int pid : pids)
    if (::kill(pid, 0) == 0)
      alive.push_back(pid);
  return alive;
}

std::vector<int> agent_pids(const TempRepo& repo) {
  std::vector<int> pids;
  std::istringstream in(read_text(repo.scratch() / "agent"));
  for (int pid; in >> pid;)
    pids.push_back(pid);
  return pids;
}

/// Starts `anneal build` in the repository without waiting for it; its output goes to `log`.
pid_t start_build(const TempRepo& repo, const fs::path& log) {
  std::string bin = anneal_binary(), dir = repo.path().string(), out = log.string();
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::chdir(dir.c_str()) != 0 || ::dup2(fd, 1) < 0 || ::dup2(fd, 2) < 0)
      ::_exit(127);
    ::execl(bin.c_str(), bin.c_str(), "build", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  REQUIRE(pid > 0);
  return pid;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a build killed with -9 leaves no process behind and the next build resumes", "[system]") {
  TempRepo repo;
  set_up(repo, 8);
  pid_t build = start_build(repo, repo.scratch() / "first.out");
  // Kill it after a few experiments, while the build, ninja, a node and its agent are at work:
  // once the baseline is in the ledger (up to a minute on a loaded machine), a little later.
  for (int tries = 0; tries < 600 && lines_of(repo.read(k_ledger)).empty(); ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  size_t busy = 0;
  for (int tries = 0; tries < 100 && busy < 4; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    busy = processes_inside(repo.path()).size();
  }
  CHECK(busy >= 4);
  REQUIRE(::kill(build, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(build, &status, 0) == build);
  CHECK(WIFSIGNALED(status));

  // The nodes notice that the build is gone and stop their commands; give them a moment.
  std::vector<int> survivors, agents;
  for (int tries = 0; tries < 40; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    survivors = processes_inside(repo.path());
    agents = living(agent_pids(repo));
    if (survivors.empty() && agents.empty())
      break;
  }
  CHECK(survivors.empty());
  CHECK(agents.empty());
  auto before = lines_of(repo.read(k_ledger));
  INFO(read_text(repo.scratch() / "first.out"));
  REQUIRE(before.size() >= 1);
  REQUIRE(before.size() < 9);  // the kill landed mid-build

  Outcome resumed = repo.anneal("build");
  INFO(resumed.out << resumed.err);
  REQUIRE(resumed.status == 0);
  check_ledger(repo, 8);
  // What the killed build had recorded stays as it was (a torn last line may be dropped).
  auto after = lines_of(repo.read(k_ledger));
  for (size_t i = 0; i + 1 < before.size(); ++i)
    CHECK(after[i] == before[i]);

  Outcome worktrees = repo.run("git worktree list --porcelain | grep -c '^worktree '");
  CHECK(worktrees.out == "1\n");
  std::vector<std::string> leftovers;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(repo.path() / ".anneal/worktrees", ec), end; !ec && it != end;
       it.increment(ec))
    if (it->is_directory())
      leftovers.push_back(it->path().string());
  CHECK(leftovers == std::vector<std::string>{(repo.path() / ".anneal/worktrees/t").string()});
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("Ctrl-C stops the build with status 130 and leaves nothing running, the next build resumes",
          "[system]") {
  TempRepo repo;
  set_up(repo, 8);
  pid_t build = start_build(repo, repo.scratch() / "first.out");
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  REQUIRE(::kill(build, SIGINT) == 0);
  int status = 0;
  REQUIRE(::waitpid(build, &status, 0) == build);
  std::string first = read_text(repo.scratch() / "first.out");
  INFO(first);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(contains(first, "interrupted"));
  std::vector<int> survivors;
  for (int tries = 0; tries < 40; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    survivors = processes_inside(repo.path());
    if (survivors.empty() && living(agent_pids(repo)).empty())
      break;
  }
  CHECK(survivors.empty());
  CHECK(living(agent_pids(repo)).empty());

  Outcome resumed = repo.anneal("build");
  INFO(resumed.out << resumed.err);
  REQUIRE(resumed.status == 0);
  check_ledger(repo, 8);
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a torn last ledger line is dropped with a warning and the build goes on", "[system]") {
  TempRepo repo;
  repo.write("score.txt", "150\n");
  repo.write("Annealfile", R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {kind: command, run: "echo $ANNEAL_EXPERIMENT > score.txt"}
    stages: [{name: score, run: "cat score.txt"}]
    objective: {metric: score, direction: minimize}
    budget: {experiments: 2}
)");
  repo.commit("project");
  REQUIRE(repo.anneal("build").status == 0);
  REQUIRE(repo.run(std::string("printf '{\"id\": 3, \"key\": \"0a1b' >> ") + k_ledger).status == 0);

  Outcome build = repo.anneal("build --experiments 4");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  CHECK(contains(build.err, "torn"));
  CHECK(contains(build.out, "#3 "));
  CHECK(contains(build.out, "#4 "));
  check_ledger(repo, 4);
  CHECK(repo.history("t").size() == 5);
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a build waits for the lock another process holds, then proceeds", "[system]") {
  TempRepo repo;
  set_up(repo, 1);
  REQUIRE(repo.anneal("build").status == 0);
  std::string held = (repo.scratch() / "held").string();
  auto start = std::chrono::steady_clock::now();
  Outcome build =
      repo.run(fmt::format("(flock .anneal/targets/t/lock sh -c 'touch {0}; sleep 1' >/dev/null 2>&1 &)\n"
                           "while [ ! -e {0} ]; do sleep 0.02; done\n"
                           "'{1}' build --experiments 2",
                           held, anneal_binary()));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(build.out << build.err);
  CHECK(build.status == 0);
  CHECK(contains(build.out + build.err, "waiting"));
  CHECK(contains(build.out, "#2 "));
  CHECK(seconds >= 0.9);
  check_ledger(repo, 2);
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("anneal stop ends a running build after its current experiment, the next build continues",
          "[system]") {
  TempRepo repo;
  set_up(repo, 10);
  std::string out = (repo.scratch() / "build.out").string();
  Outcome stopped =
      repo.run(fmt::format("'{0}' build >'{1}' 2>&1 & pid=$!\n"
                           "while [ \"$(cat {2} 2>/dev/null | wc -l)\" -lt 2 ]; do sleep 0.05; done\n"
                           "'{0}' stop t >&2 || exit 99\n"
                           "wait $pid; echo $?",
                           anneal_binary(), out, k_ledger));
  std::string printed = read_text(repo.scratch() / "build.out");
  INFO(stopped.out << stopped.err << printed);
  CHECK(stopped.out == "0\n");
  CHECK(contains(printed, "stopped after experiment"));
  auto history = repo.history("t");
  CHECK(history.size() >= 2);
  CHECK(history.size() < 11);
  for (const auto& e : history)
    CHECK(e["outcome"] != "crashed");  // the current experiment finished normally

  Outcome next = repo.anneal("build");
  INFO(next.out << next.err);
  CHECK(next.status == 0);
  CHECK(!contains(next.out, "stopped"));
  check_ledger(repo, 10);
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}
