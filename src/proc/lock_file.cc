#include "proc/lock_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <string_view>
#include <utility>

#include "proc/host_name.h"
#include "proc/unique_fd.h"
#include "util/clock_text.h"

namespace anneal::proc {

namespace {

int flock_retrying(int fd, int operation) {
  int rc;
  do {
    rc = ::flock(fd, operation);
  } while (rc != 0 && errno == EINTR);
  return rc;
}

std::string read_text(int fd) {
  std::string text;
  char buf[4096];
  for (off_t offset = 0;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return text;
    text.append(buf, static_cast<size_t>(n));
    offset += n;
  }
}

/// Parses the file format in lock_file.h; unknown lines are skipped so a later version
/// may add some.
LockHolder parse_holder(std::string_view text) {
  LockHolder holder;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    size_t space = line.find(' ');
    if (space == std::string_view::npos)
      continue;
    std::string_view key = line.substr(0, space);
    std::string_view value = line.substr(space + 1);
    if (key == "pid") {
      int pid = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), pid);
      if (ec == std::errc() && ptr == value.data() + value.size())
        holder.pid = pid;
    } else if (key == "host") {
      holder.host = value;
    } else if (key == "since") {
      holder.since = value;
    }
  }
  return holder;
}

Result<void> write_holder(int fd, const std::filesystem::path& path) {
  std::string text = fmt::format("pid {}\nhost {}\nsince {}\n", ::getpid(), host_name(), now_utc_iso());
  if (::ftruncate(fd, 0) != 0)
    return fail(fmt::format("cannot write lock file {}: {}", path.string(), std::strerror(errno)));
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return fail(
          fmt::format("cannot write lock file {}: {}", path.string(), std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
  // No fsync: the text only says who holds the lock, and the lock dies with its holder.
  return {};
}

Result<UniqueFd> open_lock(const std::filesystem::path& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return fail(fmt::format("cannot open lock file {}: {}", path.string(), std::strerror(errno)));
  return UniqueFd(fd);
}

}  // namespace

std::string LockHolder::describe() const {
  if (pid == 0)
    return "a process that has not recorded itself yet";
  return fmt::format("pid {} on {} since {}", pid, host, since);
}

LockFile::LockFile(LockFile&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

LockFile& LockFile::operator=(LockFile&& other) noexcept {
  if (this != &other) {
    LockFile released(std::exchange(m_fd, -1));
    m_fd = std::exchange(other.m_fd, -1);
  }
  return *this;
}

LockFile::~LockFile() {
  if (m_fd < 0)
    return;
  // Emptied while still held, so nobody reads a departed holder as the current one.
  (void)::ftruncate(m_fd, 0);
  ::flock(m_fd, LOCK_UN);
  ::close(m_fd);
}

Result<LockFile> LockFile::acquire(const std::filesystem::path& path,
                                   const std::function<void(const LockHolder&)>& on_wait) {
  auto fd = open_lock(path);
  if (!fd)
    return std::unexpected(fd.error());
  if (flock_retrying(fd->get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK)
      return fail(fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
    if (on_wait)
      on_wait(parse_holder(read_text(fd->get())));
    if (flock_retrying(fd->get(), LOCK_EX) != 0)
      return fail(fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
  }
  LockFile lock(fd->release());
  if (auto written = write_holder(lock.m_fd, path); !written)
    return std::unexpected(written.error());
  return lock;
}

Result<LockFile> LockFile::try_acquire(const std::filesystem::path& path) {
  auto fd = open_lock(path);
  if (!fd)
    return std::unexpected(fd.error());
  if (flock_retrying(fd->get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK)
      return fail(fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
    LockHolder holder = parse_holder(read_text(fd->get()));
    return fail(fmt::format("{} is locked by {}", path.string(), holder.describe()));
  }
  LockFile lock(fd->release());
  if (auto written = write_holder(lock.m_fd, path); !written)
    return std::unexpected(written.error());
  return lock;
}

std::optional<LockHolder> LockFile::holder(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid())
    return std::nullopt;
  // A shared probe on our own open file description: it conflicts with a holder's
  // exclusive lock (even one in this process) but not with another probe.
  if (flock_retrying(fd.get(), LOCK_SH | LOCK_NB) == 0) {
    ::flock(fd.get(), LOCK_UN);
    return std::nullopt;
  }
  if (errno != EWOULDBLOCK)
    return std::nullopt;
  return parse_holder(read_text(fd.get()));
}

SharedLock::SharedLock(SharedLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

SharedLock::~SharedLock() {
  if (m_fd >= 0)
    ::close(m_fd);  // closing the descriptor releases the flock
}

Result<SharedLock> SharedLock::acquire(const std::filesystem::path& path) {
  auto fd = open_lock(path);
  if (!fd)
    return std::unexpected(fd.error());
  if (flock_retrying(fd->get(), LOCK_SH) != 0)
    return fail(fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
  return SharedLock(fd->release());
}

Result<void> wait_for_shared_holders(const std::filesystem::path& path) {
  auto fd = open_lock(path);
  if (!fd)
    return std::unexpected(fd.error());
  if (flock_retrying(fd->get(), LOCK_EX) != 0)
    return fail(fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
  return {};  // closing the descriptor releases it
}

}  // namespace anneal::proc
