#include "proc/lock_file.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "temp_dir.h"
#include <cstdlib>
#include <filesystem>
#include <string>

#include "util/file.h"

namespace fs = std::filesystem;
using anneal::proc::LockFile;
using anneal::proc::LockHolder;

namespace {

using anneal::testing::TempDir;

/// A forked process that takes the lock, reports on `ready`, and releases it (by exiting
/// normally) when a byte arrives on its release pipe.
struct Holder {
  pid_t pid = -1;
  int release_fd = -1;

  explicit Holder(const fs::path& lock_path) {
    int ready[2], release[2];
    REQUIRE(::pipe(ready) == 0);
    REQUIRE(::pipe(release) == 0);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::alarm(10);
      ::close(ready[0]);
      ::close(release[1]);
      int code = 1;
      {
        auto lock = LockFile::try_acquire(lock_path);
        char ok = lock ? 'y' : 'n';
        (void)!::write(ready[1], &ok, 1);
        char byte;
        (void)!::read(release[0], &byte, 1);
        code = lock ? 0 : 1;
      }
      ::_exit(code);
    }
    ::close(ready[1]);
    ::close(release[0]);
    release_fd = release[1];
    char ok = 0;
    REQUIRE(::read(ready[0], &ok, 1) == 1);
    ::close(ready[0]);
    REQUIRE(ok == 'y');
  }
  void release() const { (void)!::write(release_fd, "x", 1); }
  /// Waits for the holder to exit and returns its wait status.
  int wait() {
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return status;
  }
  ~Holder() {
    ::close(release_fd);
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

}  // namespace

TEST_CASE("a free lock is taken and records its holder", "[proc]") {
  TempDir dir;
  const fs::path path = dir.path() / "lock";
  CHECK_FALSE(LockFile::holder(path).has_value());
  {
    auto lock = LockFile::try_acquire(path);
    REQUIRE(lock.has_value());
    auto text = anneal::read_file(path);
    REQUIRE(text.has_value());
    CHECK(text->starts_with("pid " + std::to_string(::getpid()) + "\nhost "));
    CHECK(text->find("\nsince 20") != std::string::npos);
    CHECK(text->ends_with("Z\n"));

    auto holder = LockFile::holder(path);
    REQUIRE(holder.has_value());
    CHECK(holder->pid == ::getpid());
    CHECK(holder->since.size() == 20);
    CHECK(holder->describe() ==
          "pid " + std::to_string(::getpid()) + " on " + holder->host + " since " + holder->since);

    SECTION("a second taker in the same process is refused") {
      auto again = LockFile::try_acquire(path);
      REQUIRE_FALSE(again.has_value());
      CHECK(again.error().message.find("locked by pid " + std::to_string(::getpid())) !=
            std::string::npos);
    }
    SECTION("moving keeps the lock held") {
      LockFile moved = std::move(*lock);
      CHECK(LockFile::holder(path).has_value());
      LockFile assigned = std::move(moved);
      CHECK(LockFile::holder(path).has_value());
    }
  }
  CHECK_FALSE(LockFile::holder(path).has_value());
  CHECK(LockFile::try_acquire(path).has_value());
}

TEST_CASE("move assignment releases the lock it replaces", "[proc]") {
  TempDir dir;
  auto first = LockFile::try_acquire(dir.path() / "a");
  auto second = LockFile::try_acquire(dir.path() / "b");
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  *first = std::move(*second);
  CHECK_FALSE(LockFile::holder(dir.path() / "a").has_value());
  CHECK(LockFile::holder(dir.path() / "b").has_value());
}

TEST_CASE("a lock held by another process", "[proc]") {
  TempDir dir;
  const fs::path path = dir.path() / "lock";
  Holder other(path);
  const std::string other_pid = std::to_string(other.pid);

  SECTION("try_acquire fails naming the holder") {
    auto lock = LockFile::try_acquire(path);
    REQUIRE_FALSE(lock.has_value());
    CHECK(lock.error().message.find(path.string() + " is locked by pid " + other_pid + " on ") !=
          std::string::npos);
    auto holder = LockFile::holder(path);
    REQUIRE(holder.has_value());
    CHECK(holder->pid == other.pid);
  }
  SECTION("is taken over once the holder is killed") {
    ::kill(other.pid, SIGKILL);
    int status = other.wait();
    CHECK(WIFSIGNALED(status));
    // The dead holder's text is still there, but the lock is free.
    CHECK(anneal::read_file(path).value().starts_with("pid " + other_pid));
    CHECK_FALSE(LockFile::holder(path).has_value());
    auto lock = LockFile::try_acquire(path);
    REQUIRE(lock.has_value());
    CHECK(LockFile::holder(path)->pid == ::getpid());
  }
  SECTION("acquire waits for the holder, telling on_wait once") {
    int calls = 0;
    int seen_pid = 0;
    auto lock = LockFile::acquire(path, [&](const LockHolder& holder) {
      ++calls;
      seen_pid = holder.pid;
      other.release();
    });
    REQUIRE(lock.has_value());
    CHECK(calls == 1);
    CHECK(seen_pid == other.pid);
    int status = other.wait();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(LockFile::holder(path)->pid == ::getpid());
  }
}

TEST_CASE("acquire does not call on_wait for a free lock", "[proc]") {
  TempDir dir;
  int calls = 0;
  auto lock = LockFile::acquire(dir.path() / "lock", [&](const LockHolder&) { ++calls; });
  REQUIRE(lock.has_value());
  CHECK(calls == 0);
}

TEST_CASE("a lock file that cannot be created is an error", "[proc]") {
  auto lock = LockFile::try_acquire("/nonexistent-anneal-dir/lock");
  REQUIRE_FALSE(lock.has_value());
  CHECK(lock.error().message.find("/nonexistent-anneal-dir/lock") != std::string::npos);
}
