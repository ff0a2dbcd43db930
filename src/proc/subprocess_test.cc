#include "proc/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "temp_dir.h"
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "util/file.h"

namespace fs = std::filesystem;
using anneal::proc::RunOptions;
using anneal::proc::RunResult;

namespace {

using anneal::testing::TempDir;

RunResult run_ok(const RunOptions& options) {
  auto result = anneal::proc::run(options);
  REQUIRE(result.has_value());
  return *result;
}

RunResult run_command(const std::string& command) {
  RunOptions options;
  options.command = command;
  return run_ok(options);
}

/// True while `pid` exists and is not a zombie (an orphan may wait for a slow init).
bool process_alive(pid_t pid) {
  auto stat = anneal::read_file_if_exists(fs::path("/proc") / std::to_string(pid) / "stat");
  if (!stat)
    return false;
  size_t paren = stat->rfind(')');
  return paren != std::string::npos && paren + 2 < stat->size() && (*stat)[paren + 2] != 'Z';
}

/// Waits up to a second for `pid` to go away: SIGKILL is delivered asynchronously.
bool gone_soon(pid_t pid) {
  for (int i = 0; i < 100 && process_alive(pid); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return !process_alive(pid);
}

pid_t read_pid(const fs::path& file) {
  auto text = anneal::read_file(file);
  REQUIRE(text.has_value());
  return static_cast<pid_t>(std::stol(*text));
}

size_t open_fd_count() {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

}  // namespace

TEST_CASE("run reports exit status", "[proc]") {
  SECTION("success") {
    RunResult result = run_command("true");
    CHECK(result.ok());
    CHECK(result.exit_code == 0);
    CHECK(result.describe() == "exit status 0");
  }
  SECTION("failure") {
    RunResult result = run_command("exit 3");
    CHECK_FALSE(result.ok());
    CHECK(result.exit_code == 3);
    CHECK(result.signal == 0);
    CHECK(result.describe() == "exit status 3");
  }
  SECTION("missing program") {
    RunResult result = run_command("no-such-program-anneal");
    CHECK(result.exit_code == 127);
    CHECK(result.err.find("no-such-program-anneal") != std::string::npos);
  }
  // The leader was reaped: no zombie, no child of ours left.
  CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
  CHECK(errno == ECHILD);
}

TEST_CASE("run reports death by signal", "[proc]") {
  SECTION("SIGKILL") {
    RunResult result = run_command("kill -9 $$");
    CHECK(result.signal == 9);
    CHECK_FALSE(result.ok());
    CHECK(result.describe() == "killed by signal 9 (Killed)");
  }
  SECTION("SIGTERM") {
    RunResult result = run_command("kill -TERM $$");
    CHECK(result.signal == SIGTERM);
    CHECK(result.describe() == "killed by signal 15 (Terminated)");
  }
}

TEST_CASE("run captures stdout and stderr or sends them to files", "[proc]") {
  SECTION("captured") {
    RunResult result = run_command("echo out; echo err >&2; printf more");
    CHECK(result.out == "out\nmore");
    CHECK(result.err == "err\n");
  }
  SECTION("to files, truncating what was there") {
    TempDir dir;
    REQUIRE(anneal::write_file_atomic(dir.path() / "out.txt", std::string(1000, 'x')));
    RunOptions options;
    options.command = "echo out; echo err >&2";
    options.stdout_path = dir.path() / "out.txt";
    options.stderr_path = dir.path() / "err.txt";
    RunResult result = run_ok(options);
    CHECK(result.ok());
    CHECK(result.out.empty());
    CHECK(result.err.empty());
    CHECK(anneal::read_file(dir.path() / "out.txt").value() == "out\n");
    CHECK(anneal::read_file(dir.path() / "err.txt").value() == "err\n");
  }
  SECTION("both to one file") {
    TempDir dir;
    RunOptions options;
    options.command = "echo one; echo two >&2; echo three";
    options.stdout_path = options.stderr_path = dir.path() / "log.txt";
    REQUIRE(run_ok(options).ok());
    CHECK(anneal::read_file(dir.path() / "log.txt").value() == "one\ntwo\nthree\n");
  }
  SECTION("an output file that cannot be opened is an error") {
    RunOptions options;
    options.command = "true";
    options.stdout_path = "/nonexistent-anneal-dir/out.txt";
    auto result = anneal::proc::run(options);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().message.find("/nonexistent-anneal-dir/out.txt") != std::string::npos);
  }
}

TEST_CASE("run feeds stdin without deadlocking on large data", "[proc]") {
  std::string data(3 * 1024 * 1024, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  RunOptions options;
  options.stdin_data = data;

  SECTION("round trip through cat, on both streams") {
    options.command = "tee /dev/stderr";
    RunResult result = run_ok(options);
    CHECK(result.ok());
    CHECK(result.out.size() == data.size());
    CHECK(result.out == data);
    CHECK(result.err == data);
  }
  SECTION("child writes a lot before it reads") {
    options.command = "head -c 2000000 /dev/zero; wc -c";
    RunResult result = run_ok(options);
    CHECK(result.ok());
    REQUIRE(result.out.size() > 2000000);
    CHECK(result.out.substr(2000000).find(std::to_string(data.size())) != std::string::npos);
  }
  SECTION("child ignores its stdin") {
    options.command = "exit 4";
    RunResult result = run_ok(options);
    CHECK(result.exit_code == 4);
  }
  SECTION("no stdin data reads /dev/null") {
    options.stdin_data.reset();
    options.command = "wc -c";
    RunResult result = run_ok(options);
    CHECK(result.out.find('0') != std::string::npos);
  }
}

TEST_CASE("run sets environment and working directory", "[proc]") {
  SECTION("environment overrides on top of the inherited one") {
    const char* path = std::getenv("PATH");
    REQUIRE(path != nullptr);
    RunOptions options;
    options.command = R"(printf '%s|%s|%s' "$ANNEAL_PROC_TEST" "$HOME" "$PATH")";
    options.env = {
        {"ANNEAL_PROC_TEST", "first"}, {"HOME", "/override"}, {"ANNEAL_PROC_TEST", "x y"}};
    RunResult result = run_ok(options);
    CHECK(result.out == std::string("x y|/override|") + path);
    CHECK(std::getenv("ANNEAL_PROC_TEST") == nullptr);
  }
  SECTION("working directory") {
    TempDir dir;
    RunOptions options;
    options.command = "pwd -P";
    options.cwd = dir.path();
    CHECK(run_ok(options).out == fs::canonical(dir.path()).string() + "\n");
  }
  SECTION("a missing working directory fails the command") {
    RunOptions options;
    options.command = "true";
    options.cwd = "/nonexistent-anneal-dir";
    RunResult result = run_ok(options);
    CHECK(result.exit_code == 127);
    CHECK(result.err.find("/nonexistent-anneal-dir") != std::string::npos);
  }
}

TEST_CASE("run leaks no descriptors in either direction", "[proc]") {
  size_t before = open_fd_count();
  // A descriptor without O_CLOEXEC, as a careless library might open one.
  int stray = ::open("/dev/null", O_RDONLY);
  REQUIRE(stray >= 0);
  RunResult result = run_command("test -e /proc/$$/fd/" + std::to_string(stray));
  ::close(stray);
  CHECK(result.exit_code == 1);
  CHECK(open_fd_count() == before);
}

TEST_CASE("describe names how the command ended", "[proc]") {
  RunResult result;
  result.timed_out = true;
  result.timeout_s = 60;
  CHECK(result.describe() == "timed out after 60s");
  result.aborted = true;
  CHECK(result.describe() == "aborted");
}

TEST_CASE("run kills the whole group on timeout", "[proc]") {
  TempDir dir;
  RunOptions options;
  options.timeout_s = 0.5;
  SECTION("the group stops on SIGTERM") {
    options.command = "sleep 30 & echo $! > " + (dir.path() / "pid").string() + "; wait";
    RunResult result = run_ok(options);
    CHECK(result.timed_out);
    CHECK_FALSE(result.ok());
    CHECK(result.describe() == "timed out after 0.5s");
    CHECK(result.duration_s >= 0.45);
    CHECK(result.duration_s < 1.5);
    CHECK(gone_soon(read_pid(dir.path() / "pid")));
  }
  SECTION("a group that ignores SIGTERM gets SIGKILL after the grace period") {
    options.kill_grace_s = 0.3;
    options.command = "trap '' TERM; sleep 30 & echo $! > " + (dir.path() / "pid").string() +
                      "; while :; do wait; done";
    RunResult result = run_ok(options);
    CHECK(result.timed_out);
    CHECK(result.signal == SIGKILL);
    CHECK(result.duration_s >= 0.75);
    CHECK(result.duration_s < 2);
    CHECK(gone_soon(read_pid(dir.path() / "pid")));
  }
}

TEST_CASE("run returns when the leader exits and kills what it left behind", "[proc]") {
  TempDir dir;
  // The background sleep holds the output pipes open; run must not wait for it.
  RunResult result =
      run_command("sleep 30 & echo $! > " + (dir.path() / "pid").string() + "; echo done");
  CHECK(result.ok());
  CHECK(result.out == "done\n");
  CHECK(result.duration_s < 1);
  CHECK(gone_soon(read_pid(dir.path() / "pid")));
}

TEST_CASE("should_abort stops the command", "[proc]") {
  TempDir dir;
  auto start = std::chrono::steady_clock::now();
  int calls = 0;
  RunOptions options;
  options.command = "sleep 30 & echo $! > " + (dir.path() / "pid").string() + "; wait";
  options.should_abort = [&] {
    ++calls;
    return std::chrono::steady_clock::now() - start > std::chrono::milliseconds(300);
  };
  RunResult result = run_ok(options);
  CHECK(result.aborted);
  CHECK_FALSE(result.timed_out);
  CHECK(result.describe() == "aborted");
  CHECK(result.duration_s < 1.5);
  CHECK(calls >= 3);
  CHECK(gone_soon(read_pid(dir.path() / "pid")));
}

TEST_CASE("an interrupt stops the command and later runs", "[proc]") {
  // In a child process, since the interrupt flag cannot be cleared once set.
  TempDir dir;
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::alarm(10);
    anneal::proc::install_interrupt_handlers();
    RunOptions options;
    options.command =
        "sleep 30 & echo $! > " + (dir.path() / "pid").string() + "; kill -INT $PPID; wait";
    options.stop_signal = SIGINT;
    auto first = anneal::proc::run(options);
    options.command = "true";
    auto second = anneal::proc::run(options);
    bool good = first && first->aborted && first->duration_s < 5 && anneal::proc::interrupted() &&
                second && second->aborted;
    ::_exit(good ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(gone_soon(read_pid(dir.path() / "pid")));
}

TEST_CASE("die_with_parent kills the command when its parent dies", "[proc]") {
  TempDir dir;
  const fs::path pid_file = dir.path() / "pid";
  pid_t parent = ::fork();
  REQUIRE(parent >= 0);
  if (parent == 0) {
    ::alarm(10);
    RunOptions options;
    options.command = "echo $$ > " + pid_file.string() + ".tmp; mv " + pid_file.string() + ".tmp " +
                      pid_file.string() + "; exec sleep 30";
    options.die_with_parent = true;
    (void)anneal::proc::run(options);
    ::_exit(0);
  }
  for (int i = 0; i < 200 && !fs::exists(pid_file); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  pid_t command = read_pid(pid_file);
  CHECK(process_alive(command));
  ::kill(parent, SIGKILL);
  REQUIRE(::waitpid(parent, nullptr, 0) == parent);
  CHECK(gone_soon(command));
}

TEST_CASE("run returns even when SIGCHLD is ignored", "[proc]") {
  // Then the kernel reaps the leader itself; run must still notice that it ended.
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::alarm(5);
    ::signal(SIGCHLD, SIG_IGN);
    RunOptions options;
    options.command = "echo hi";
    auto result = anneal::proc::run(options);
    ::_exit(result && result->out == "hi\n" && !result->timed_out ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
