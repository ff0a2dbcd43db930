#include "proc/sandbox.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "proc/subprocess.h"
#include "proc/unique_fd.h"
#include "temp_dir.h"
#include "util/file.h"

namespace fs = std::filesystem;
using anneal::proc::RunOptions;
using anneal::proc::RunResult;
using anneal::proc::SandboxOptions;
using anneal::testing::TempDir;

namespace {

/// bubblewrap must work where the tests run (scripts/install-deps.sh installs it).
void require_sandbox() {
  const auto& probe = anneal::proc::sandbox_probe();
  INFO("bubblewrap does not work here: " << probe.reason);
  REQUIRE(probe.available);
}

RunResult run_ok(const RunOptions& options) {
  auto result = anneal::proc::run(options);
  INFO((result ? std::string() : result.error().message));
  REQUIRE(result.has_value());
  return *result;
}

/// A command run in `worktree` with only that folder (and `writable`) writable.
RunOptions sandboxed(const std::string& command, const fs::path& worktree) {
  RunOptions options;
  options.command = command;
  options.cwd = worktree;
  options.sandbox = SandboxOptions{};
  options.sandbox->writable = {worktree};
  return options;
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

/// A TCP socket listening on 127.0.0.1; connections queue in its backlog, never accepted.
struct LoopbackListener {
  anneal::proc::UniqueFd fd;
  int port = 0;
  LoopbackListener() {
    fd.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(fd.valid());
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd.get(), 8) == 0);
    socklen_t size = sizeof addr;
    REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &size) == 0);
    port = ntohs(addr.sin_port);
  }
};

}  // namespace

TEST_CASE("a sandboxed command writes only its worktree and writable paths", "[proc][sandbox]") {
  require_sandbox();
  TempDir dir;
  fs::path worktree = dir.path() / "repo" / "wt";
  fs::path extra = dir.path() / "extra";
  fs::create_directories(worktree);
  fs::create_directories(extra);
  write(dir.path() / "repo" / "user.txt", "mine\n");

  SECTION("outside: refused with the file system's error, nothing written") {
    RunOptions options = sandboxed("echo x > ../user.txt", worktree);
    options.sandbox->readable = {dir.path() / "repo"};  // the repository, as gates see it
    RunResult r = run_ok(options);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.err, Catch::Contains("Read-only file system"));
    CHECK(anneal::read_file(dir.path() / "repo" / "user.txt").value() == "mine\n");
    r = run_ok(sandboxed("touch " + (extra / "f").string(), worktree));
    CHECK(r.exit_code != 0);
    CHECK_FALSE(fs::exists(extra / "f"));
  }
  SECTION("inside and writable paths: written") {
    RunOptions options = sandboxed("echo in > inside.txt && echo out > " + (extra / "f").string(), worktree);
    options.sandbox->writable.push_back(extra);
    RunResult r = run_ok(options);
    INFO(r.err);
    CHECK(r.ok());
    CHECK(anneal::read_file(worktree / "inside.txt").value() == "in\n");
    CHECK(anneal::read_file(extra / "f").value() == "out\n");
  }
  SECTION("a writable path that does not exist is skipped") {
    RunOptions options = sandboxed("echo ok", worktree);
    options.sandbox->writable.push_back(dir.path() / "missing");
    RunResult r = run_ok(options);
    CHECK(r.ok());
    CHECK(r.out == "ok\n");
  }
}

TEST_CASE("a sandboxed command has a private /tmp", "[proc][sandbox]") {
  require_sandbox();
  TempDir dir;  // under /tmp: hidden from the command unless bound
  fs::path worktree = dir.path() / "wt";
  fs::create_directories(worktree);
  write(dir.path() / "other" / "secret.txt", "x\n");
  std::string mark = "anneal-sandbox-test-" + std::to_string(::getpid());
  RunResult r = run_ok(sandboxed("ls " + (dir.path() / "other").string() + " 2>&1; echo made > /tmp/" + mark +
                                     " && cat /tmp/" + mark,
                                 worktree));
  CHECK(r.ok());
  CHECK_THAT(r.out, Catch::Contains("No such file or directory"));
  CHECK_THAT(r.out, Catch::EndsWith("made\n"));
  CHECK_FALSE(fs::exists(fs::path("/tmp") / mark));
}

TEST_CASE("a masked folder shows only what is bound back", "[proc][sandbox]") {
  require_sandbox();
  TempDir dir;
  fs::path repo = dir.path() / "repo";
  write(repo / "uncommitted.txt", "private\n");
  write(repo / ".git" / "HEAD", "ref: refs/heads/main\n");
  write(repo / ".anneal" / "targets" / "t" / "experiments.jsonl", "{}\n");
  fs::path worktree = repo / ".anneal" / "worktrees" / "t" / "d0";
  fs::create_directories(worktree);
  RunOptions options = sandboxed(
      "cat ../../../../uncommitted.txt; cat ../../../targets/t/experiments.jsonl; cat ../../../../.git/HEAD; "
      "echo x > ../../../../.git/HEAD; echo x > ../../../../new.txt; echo ok > here.txt",
      worktree);
  options.sandbox->mask = repo;
  options.sandbox->readable = {repo / ".git"};
  RunResult r = run_ok(options);
  CHECK(r.ok());
  CHECK(r.out == "ref: refs/heads/main\n");
  CHECK_THAT(r.err, Catch::Contains("uncommitted.txt: No such file or directory"));
  CHECK_THAT(r.err, Catch::Contains("experiments.jsonl: No such file or directory"));
  CHECK_THAT(r.err, Catch::Contains("Read-only file system"));
  CHECK(anneal::read_file(repo / ".git" / "HEAD").value() == "ref: refs/heads/main\n");
  CHECK_FALSE(fs::exists(repo / "new.txt"));
  CHECK(anneal::read_file(worktree / "here.txt").value() == "ok\n");
}

TEST_CASE("hidden paths are absent from the sandbox", "[proc][sandbox]") {
  require_sandbox();
  TempDir dir;
  fs::path worktree = dir.path() / "wt";
  write(worktree / "held-out" / "a.txt", "answer\n");
  write(worktree / "tests" / "hidden.py", "assert True\n");
  write(worktree / "visible.txt", "shown\n");
  RunOptions options = sandboxed("ls held-out; cat tests/hidden.py; cat visible.txt", worktree);
  options.sandbox->hidden = {worktree / "held-out", worktree / "tests" / "hidden.py", worktree / "missing"};
  RunResult r = run_ok(options);
  INFO(r.err);
  CHECK(r.ok());
  CHECK(r.out == "shown\n");
  // Still there for the stages, outside the sandbox.
  CHECK(fs::exists(worktree / "held-out" / "a.txt"));
}

TEST_CASE("nothing a command started with setsid outlives it", "[proc][sandbox]") {
  TempDir dir;
  fs::path worktree = dir.path() / "wt";
  fs::create_directories(worktree);
  const std::string command =
      "setsid sh -c 'echo $$ > pid; sleep 1; echo late > late.txt' >/dev/null 2>&1 & sleep 0.2; echo done";

  SECTION("in the sandbox: its PID namespace") {
    require_sandbox();
    RunResult r = run_ok(sandboxed(command, worktree));
    CHECK(r.out == "done\n");
  }
  SECTION("without a sandbox, in a subreaper: killed as an orphan") {
    // In a child process: a subreaper takes every child for a command's.
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::alarm(10);
      anneal::proc::become_subreaper();
      RunOptions options;
      options.command = command;
      options.cwd = worktree;
      auto result = anneal::proc::run(options);
      ::_exit(result && result->out == "done\n" ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WEXITSTATUS(status) == 0);
    pid_t orphan = static_cast<pid_t>(std::stol(anneal::read_file(worktree / "pid").value()));
    CHECK((::kill(orphan, 0) != 0 && errno == ESRCH));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  CHECK_FALSE(fs::exists(worktree / "late.txt"));
}

TEST_CASE("network: false cannot reach a server on the loopback outside", "[proc][sandbox]") {
  require_sandbox();
  TempDir dir;
  LoopbackListener server;
  std::string connect = "bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(server.port) + "' && echo connected";
  RunOptions options = sandboxed(connect, dir.path());
  SECTION("network on (the default): connects") {
    RunResult r = run_ok(options);
    CHECK(r.out == "connected\n");
  }
  SECTION("network off: refused") {
    options.sandbox->network = false;
    RunResult r = run_ok(options);
    CHECK_FALSE(r.ok());
    CHECK(r.out.empty());
  }
}

TEST_CASE("a sandboxed command killed by a signal is reported so", "[proc][sandbox]") {
  require_sandbox();
  TempDir dir;
  RunResult r = run_ok(sandboxed("kill -9 $$", dir.path()));
  CHECK(r.describe() == "killed by signal 9 (Killed)");
  r = run_ok(sandboxed("exit 3", dir.path()));
  CHECK(r.describe() == "exit status 3");
}

TEST_CASE("user commands get no secrets but those passed, and print them redacted", "[proc]") {
  ::setenv("ANNEAL_TEST_API_KEY", "key-one-123456", 1);
  ::setenv("ANNEAL_TEST_OTHER_TOKEN", "token-two-654321", 1);
  ::setenv("ANNEAL_TEST_PLAIN", "plain-value", 1);
  RunOptions options;
  options.command = "echo \"[$ANNEAL_TEST_API_KEY][$ANNEAL_TEST_OTHER_TOKEN][$ANNEAL_TEST_PLAIN]\"; "
                    "test \"$ANNEAL_TEST_API_KEY\" = key-one-123456 && echo got it >&2 || true";
  SECTION("by default none") {
    RunResult r = run_ok(options);
    CHECK(r.out == "[][][plain-value]\n");
    CHECK(r.err == "");
  }
  SECTION("pass_env passes one; what the command prints of it is redacted") {
    options.pass_env = {"ANNEAL_TEST_API_KEY"};
    RunResult r = run_ok(options);
    CHECK(r.out == "[[redacted:ANNEAL_TEST_API_KEY]][][plain-value]\n");
    CHECK(r.err == "got it\n");  // the command had the real value
  }
  SECTION("anneal's own processes get everything, unredacted") {
    options.inherit = anneal::proc::Inherit::Everything;
    CHECK(run_ok(options).out == "[key-one-123456][token-two-654321][plain-value]\n");
  }
  SECTION("in the sandbox too") {
    require_sandbox();
    TempDir dir;
    options.cwd = dir.path();
    options.sandbox = SandboxOptions{};
    options.sandbox->writable = {dir.path()};
    options.pass_env = {"ANNEAL_TEST_OTHER_TOKEN"};
    CHECK(run_ok(options).out == "[][[redacted:ANNEAL_TEST_OTHER_TOKEN]][plain-value]\n");
  }
  ::unsetenv("ANNEAL_TEST_API_KEY");
  ::unsetenv("ANNEAL_TEST_OTHER_TOKEN");
  ::unsetenv("ANNEAL_TEST_PLAIN");
}

// Run by the test above in a process of its own, with ANNEAL_SANDBOX=none set before its probe.
constexpr const char* k_sandbox_none_child = "a sandboxed run with ANNEAL_SANDBOX=none fails before it starts";

TEST_CASE("ANNEAL_SANDBOX=none makes bubblewrap unavailable", "[proc][sandbox]") {
  ::setenv(anneal::proc::k_sandbox_env, "none: no user namespaces in this container", 1);
  auto probe = anneal::proc::probe_sandbox(false);
  ::unsetenv(anneal::proc::k_sandbox_env);
  CHECK_FALSE(probe.available);
  CHECK(probe.reason == "no user namespaces in this container");
  CHECK(anneal::proc::sandbox_env_value(probe) == "none: no user namespaces in this container");

  // And a sandboxed run then fails before starting. The probe is kept per process, and a fork
  // would inherit whatever an earlier test cached, so the check runs in a fresh process: this
  // binary again, running only the hidden test below.
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::alarm(10);
    ::setenv(anneal::proc::k_sandbox_env, "none: simulated", 1);
    ::execl("/proc/self/exe", "proc_tests", k_sandbox_none_child, nullptr);
    ::_exit(127);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE(k_sandbox_none_child, "[.]") {
  RunOptions options;
  options.command = "true";
  options.sandbox = SandboxOptions{};
  auto result = anneal::proc::run(options);
  REQUIRE_FALSE(result);
  CHECK(result.error().message == "cannot run `true` in a sandbox: simulated");
}

TEST_CASE("the probe finds a working bwrap on PATH, or says why not", "[proc][sandbox]") {
  ::unsetenv(anneal::proc::k_sandbox_env);
  auto probe = anneal::proc::probe_sandbox(false);
  if (probe.available) {
    CHECK(probe.bwrap.filename() == "bwrap");
    CHECK(anneal::proc::sandbox_env_value(probe) == probe.bwrap.string());
  } else {
    CHECK_FALSE(probe.reason.empty());
  }
  const char* path = std::getenv("PATH");
  std::string saved = path ? path : "";
  ::setenv("PATH", "/nonexistent", 1);
  auto missing = anneal::proc::probe_sandbox(false);
  ::setenv("PATH", saved.c_str(), 1);
  CHECK_FALSE(missing.available);
  CHECK(missing.reason == "bwrap is not on PATH (Debian: apt-get install bubblewrap)");
}
