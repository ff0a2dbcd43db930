#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "util/error.h"

namespace anneal::proc {

// Lock file format (text, version 1), rewritten by each holder:
//
//   pid <decimal>\n
//   host <hostname>\n
//   since <ISO-8601 UTC time>\n
//
// The lock itself is an flock(2) on the file, so a holder that dies (even by kill -9)
// releases it and the next taker simply takes it over; the text only tells who holds it.

/// Who holds a lock, as recorded in its file.
struct LockHolder {
  int pid = 0;
  std::string host;
  std::string since;
  /// "pid 123 on host since 2026-11-27T15:00:00Z".
  std::string describe() const;
};

/// An exclusive lock held until destruction.
class LockFile {
 public:
  LockFile(LockFile&& other) noexcept;
  LockFile& operator=(LockFile&& other) noexcept;
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;
  ~LockFile();

  /// Takes the lock, creating the file. When another process holds it, calls `on_wait`
  /// once with the holder, then blocks until the lock is free.
  static Result<LockFile> acquire(const std::filesystem::path& path,
                                  const std::function<void(const LockHolder&)>& on_wait = {});
  /// Takes the lock only if it is free; fails with a message naming the holder otherwise.
  static Result<LockFile> try_acquire(const std::filesystem::path& path);
  /// Reads who holds the lock at `path`, if anyone does right now.
  static std::optional<LockHolder> holder(const std::filesystem::path& path);

 private:
  explicit LockFile(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

/// A shared lock on a file, held until destruction; many processes may hold it at once,
/// and an exclusive taker (wait_for_shared_holders) waits until they have all let go.
class SharedLock {
 public:
  SharedLock(SharedLock&& other) noexcept;
  SharedLock& operator=(SharedLock&&) = delete;
  SharedLock(const SharedLock&) = delete;
  SharedLock& operator=(const SharedLock&) = delete;
  ~SharedLock();

  /// Takes the lock in shared mode, creating the file (blocks while an exclusive holder has it).
  static Result<SharedLock> acquire(const std::filesystem::path& path);

 private:
  explicit SharedLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

/// Blocks until no process holds a SharedLock on `path` (takes and drops it exclusively).
Result<void> wait_for_shared_holders(const std::filesystem::path& path);

}  // namespace anneal::proc
