// Background builds: `anneal build --detach`, `anneal status` of a running build, `anneal logs
// -f`, `anneal stop`, and two targets building at once, each in its own ninja folder.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "harness.h"
#include "processes.h"

using namespace anneal::system_test;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Waits (polling) until `done` holds; false after `seconds` (generous: a loaded machine).
bool wait_until(const std::function<bool()>& done, double seconds = 180) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > end)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

/// Whether `pid` is a live process (not gone, not a zombie waiting for its parent).
bool alive(int pid) {
  std::string stat = read_text(fmt::format("/proc/{}/stat", pid));
  size_t paren = stat.rfind(')');
  return pid > 0 && paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

/// Kills, at the end of a test (declared after its repository, so it runs first), whatever
/// still runs in the repository: a background build that a failed check left going.
struct Reaper {
  const TempRepo& repo;
  ~Reaper() {
    for (int round = 0; round < 200; ++round) {
      std::vector<int> left = processes_inside(repo.path());
      if (left.empty())
        return;
      for (int pid : left)
        ::kill(pid, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
};

/// A target whose stage waits until SCRATCH/go exists (noting in SCRATCH/<name>.started that
/// it runs), so a test decides when its experiments can end; the agent lowers the score.
std::string target(const std::string& name, int experiments) {
  return fmt::format(R"(  {0}:
    artifact: [{0}.txt]
    agent: {{kind: command, run: "echo $((100 - ANNEAL_EXPERIMENT)) > {0}.txt; echo lower > \"$ANNEAL_HYPOTHESIS_FILE\"", sandbox: off}}
    stages:
      - {{name: score, run: "touch SCRATCH/{0}.started; while [ ! -e SCRATCH/go ]; do sleep 0.05; done; cat {0}.txt", timeout: 10m}}
    objective: {{metric: score, direction: minimize}}
    budget: {{experiments: {1}}}
)",
                     name, experiments);
}

void set_up(const TempRepo& repo, const std::vector<std::pair<std::string, int>>& targets) {
  std::string annealfile = "annealfile: 1\ntargets:\n";
  for (const auto& [name, experiments] : targets) {
    repo.write(name + ".txt", "100\n");
    annealfile += target(name, experiments);
  }
  repo.write("Annealfile", with_scratch(annealfile, repo));
  repo.commit("project");
}

bool started(const TempRepo& repo, const std::string& name) { return fs::exists(repo.scratch() / (name + ".started")); }
void release(const TempRepo& repo) { std::ofstream(repo.scratch() / "go") << "go\n"; }

/// The pid in "… in the background (pid N) …".
int daemon_pid(const std::string& out) {
  std::smatch m;
  return std::regex_search(out, m, std::regex(R"(in the background \(pid ([0-9]+)\))")) ? std::stoi(m[1]) : 0;
}

/// `anneal build [TARGET] --detach`, which must succeed; returns the background build's pid
/// once its stage waits (a detached build has started when the command returns, but its
/// stage may not have yet).
int detach(const TempRepo& repo, const std::string& name = "t", Outcome* printed = nullptr) {
  Outcome detached = repo.anneal("build " + name + " --detach");
  INFO(detached.out << detached.err);
  REQUIRE(detached.status == 0);
  int pid = daemon_pid(detached.out);
  REQUIRE(pid > 0);
  REQUIRE(wait_until([&] { return started(repo, name); }));
  if (printed)
    *printed = detached;
  return pid;
}

/// Starts `anneal ARGS…` in the repository without waiting; its stdout and stderr go to `out`.
pid_t start(const TempRepo& repo, const std::vector<std::string>& args, const fs::path& out) {
  std::string bin = anneal_binary(), dir = repo.path().string(), file = out.string();
  std::vector<std::string> argv = {bin};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::chdir(dir.c_str()) != 0 || ::dup2(fd, 1) < 0 || ::dup2(fd, 2) < 0)
      ::_exit(127);
    std::vector<char*> raw;
    for (auto& a : argv)
      raw.push_back(a.data());
    raw.push_back(nullptr);
    ::execv(bin.c_str(), raw.data());
    ::_exit(127);
  }
  REQUIRE(pid > 0);
  return pid;
}

/// The exit status of `pid` (a child of this process), killing it when it takes too long.
int wait_for_exit(pid_t pid, double seconds = 180) {
  int status = 0;
  bool ended = wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, seconds);
  if (!ended) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL("still running after " << seconds << " s");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

nlohmann::json status_of(const TempRepo& repo, const std::string& name) {
  Outcome o = repo.anneal("status --json " + name);
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  return nlohmann::json::parse(o.out).at(0);
}

/// Every ledger id 0..last, once each, none crashed.
void check_history(const TempRepo& repo, const std::string& name, int last) {
  auto history = repo.history(name);
  REQUIRE(history.size() == static_cast<size_t>(last + 1));
  for (int i = 0; i <= last; ++i) {
    CHECK(history[i]["id"] == i);
    CHECK(history[i]["outcome"] != "crashed");
  }
}

std::vector<fs::path> logs_of(const TempRepo& repo) {
  std::vector<fs::path> logs;
  std::error_code ec;
  for (fs::directory_iterator it(repo.path() / ".anneal/logs", ec), end; !ec && it != end; it.increment(ec))
    logs.push_back(it->path());
  return logs;
}

}  // namespace

TEST_CASE("build --detach returns while the build runs, status shows it, logs -f ends with it", "[system][detach]") {
  TempRepo repo;
  Reaper reaper{repo};
  set_up(repo, {{"t", 2}});
  Outcome detached;
  int pid = detach(repo, "t", &detached);
  CHECK(contains(detached.out, "anneal: building t in the background (pid "));
  CHECK(contains(detached.out, "its output goes to .anneal/logs/build-"));
  CHECK(contains(detached.out, "anneal logs -f"));
  // It returned while the baseline's stage still waits for us.
  CHECK(alive(pid));
  CHECK(!fs::exists(repo.scratch() / "go"));

  // A daemon: a session of its own, nothing to read from.
  CHECK(::getsid(pid) != ::getsid(0));
  CHECK(::getsid(pid) != pid);  // and not its leader: it cannot get a terminal back
  CHECK(fs::read_symlink(fmt::format("/proc/{}/fd/0", pid)) == "/dev/null");
  CHECK(contains(fs::read_symlink(fmt::format("/proc/{}/fd/1", pid)).string(), "/.anneal/logs/build-"));

  nlohmann::json running = status_of(repo, "t")["running"];
  INFO(running.dump());
  CHECK(running["pid"] == pid);
  CHECK(running["experiment"] == 0);
  CHECK(running["budget"] == 2);
  CHECK(running["detached"] == true);
  CHECK(running["elapsed_s"].get<double>() >= 0);
  Outcome text = repo.anneal("status");
  CHECK(contains(text.out, fmt::format("building the baseline, experiment 0/2 (pid {} on ", pid)));

  fs::path followed = repo.scratch() / "logs.out";
  pid_t follower = start(repo, {"logs", "-f"}, followed);
  release(repo);
  int status = wait_for_exit(follower);
  std::string log = read_text(followed);
  INFO(log);
  CHECK(status == 0);
  CHECK(contains(log, "t: 2 experiment(s) run after the baseline; best 98 (baseline 100), branch anneal/t"));
  CHECK(contains(log, fmt::format("the background build (pid {}) ended with status 0", pid)));
  // logs -f ended because the build did: nothing runs, and status says so.
  CHECK(!alive(pid));
  CHECK(status_of(repo, "t")["running"].is_null());
  CHECK(repo.anneal("logs t").out == log);
  check_history(repo, "t", 2);
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("anneal stop ends a background build after its current experiment, and the next build resumes",
          "[system][detach]") {
  TempRepo repo;
  Reaper reaper{repo};
  set_up(repo, {{"t", 4}});
  int pid = detach(repo);

  Outcome stop = repo.anneal("stop");
  INFO(stop.out << stop.err);
  CHECK(stop.status == 0);
  CHECK(contains(stop.out, fmt::format("t: asked the build (pid {} on ", pid)));
  release(repo);
  Outcome followed = repo.anneal("logs -f t");
  INFO(followed.out << followed.err);
  CHECK(followed.status == 0);
  CHECK(contains(followed.out, "t: stopped after experiment #0 (anneal stop)"));
  CHECK(!alive(pid));
  check_history(repo, "t", 0);  // the baseline, which ran to its end

  Outcome next = repo.anneal("build");
  INFO(next.out << next.err);
  CHECK(next.status == 0);
  check_history(repo, "t", 4);
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("two targets build in the background at once, each to a complete ledger", "[system][detach]") {
  TempRepo repo;
  Reaper reaper{repo};
  set_up(repo, {{"a", 3}, {"b", 3}});
  // Both wait in their baseline's stage at the same time: they run at once.
  int a = detach(repo, "a"), b = detach(repo, "b");
  CHECK(started(repo, "a"));
  CHECK(status_of(repo, "a")["running"]["pid"] == a);
  CHECK(status_of(repo, "b")["running"]["pid"] == b);
  CHECK(a != b);
  // One build per target: a third one of `a` fails at once, saying who builds it.
  Outcome third = repo.anneal("build a --detach");
  INFO(third.out << third.err);
  CHECK(third.status == 1);
  CHECK(contains(third.err, fmt::format("a: it is being built (pid {} on ", a)));
  CHECK(logs_of(repo).size() == 6);  // the two running builds' files, nothing of the third

  release(repo);
  Outcome logs_a = repo.anneal("logs -f a");
  Outcome logs_b = repo.anneal("logs -f b");
  INFO(logs_a.out << logs_b.out);
  CHECK(logs_a.status == 0);
  CHECK(logs_b.status == 0);
  CHECK(contains(logs_a.out, "a: 3 experiment(s) run"));
  CHECK(contains(logs_b.out, "b: 3 experiment(s) run"));
  CHECK(!contains(logs_a.out, "b:"));
  check_history(repo, "a", 3);
  check_history(repo, "b", 3);
  // Each ran its own ninja, on the shared cache.
  CHECK(repo.exists(".anneal/ninja/a/build.ninja"));
  CHECK(repo.exists(".anneal/ninja/b/build.ninja"));
  CHECK(!repo.exists(".anneal/build.ninja"));
  Outcome again = repo.anneal("build");
  CHECK(contains(again.out, "no work to do"));
  CHECK(repo.run("git worktree list --porcelain | grep -c '^worktree '").out == "1\n");
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a background build that cannot start fails the command that detached it", "[system][detach]") {
  TempRepo repo;
  Reaper reaper{repo};
  set_up(repo, {{"t", 1}});
  SECTION("an Annealfile that does not load") {
    repo.write("Annealfile", "annealfile: 1\ntargets:\n  t: {artifact: [t.txt], stages: [oops\n");
    Outcome o = repo.anneal("build --detach");
    INFO(o.out << o.err);
    CHECK(o.status == 1);
    CHECK(contains(o.err, "Annealfile:"));
    CHECK(contains(o.err, "error:"));
  }
  SECTION("a target that is not in the Annealfile") {
    Outcome o = repo.anneal("build nope --detach");
    INFO(o.out << o.err);
    CHECK(o.status == 1);
    CHECK(contains(o.err, "nope"));
  }
  // Nothing started, nothing left: no log, no process.
  CHECK(logs_of(repo).empty());
  CHECK(processes_inside(repo.path()).empty());
  Outcome logs = repo.anneal("logs");
  CHECK(logs.status == 1);
  CHECK(contains(logs.err, "no background build has run yet"));
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a background build killed with -9 is not shown running, and the next build resumes", "[system][detach]") {
  TempRepo repo;
  Reaper reaper{repo};
  set_up(repo, {{"t", 2}});
  int pid = detach(repo);
  REQUIRE(status_of(repo, "t")["running"]["pid"] == pid);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  REQUIRE(wait_until([&] { return !alive(pid); }));

  CHECK(status_of(repo, "t")["running"].is_null());
  CHECK(!contains(repo.anneal("status").out, "building"));
  Outcome followed = repo.anneal("logs -f");
  CHECK(followed.status == 1);
  CHECK(contains(followed.err, fmt::format("the build (pid {}) is gone without saying how it ended", pid)));
  CHECK(contains(repo.anneal("stop t").out, "t: no build is running"));

  release(repo);
  Outcome next = repo.anneal("build");
  INFO(next.out << next.err);
  CHECK(next.status == 0);
  check_history(repo, "t", 2);
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}
