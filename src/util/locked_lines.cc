#include "util/locked_lines.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

#include "util/file.h"

namespace anneal {

namespace {

/// An open descriptor, closed on scope exit (which also drops its flock).
class LockedFd {
 public:
  explicit LockedFd(int fd) : m_fd(fd) {}
  LockedFd(const LockedFd&) = delete;
  LockedFd& operator=(const LockedFd&) = delete;
  ~LockedFd() {
    if (m_fd >= 0)
      ::close(m_fd);
  }
  int get() const { return m_fd; }

 private:
  int m_fd;
};

std::string errno_text() { return std::strerror(errno); }

Result<void> lock(const LockedFd& fd, int operation, const std::filesystem::path& file) {
  while (::flock(fd.get(), operation) != 0)
    if (errno != EINTR)
      return fail(fmt::format("cannot lock {}: {}", file.string(), errno_text()));
  return {};
}

/// Whether the file behind `fd` is empty or ends in a newline, so a new line can follow.
Result<bool> ends_cleanly(const LockedFd& fd, const std::filesystem::path& file) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return fail(fmt::format("cannot stat {}: {}", file.string(), errno_text()));
  if (st.st_size == 0)
    return true;
  char last = 0;
  ssize_t n;
  do
    n = ::pread(fd.get(), &last, 1, st.st_size - 1);
  while (n < 0 && errno == EINTR);
  if (n != 1)
    return fail(fmt::format("cannot read {}: {}", file.string(), n < 0 ? errno_text() : "short read"));
  return last == '\n';
}

}  // namespace

Result<void> append_line_locked(const std::filesystem::path& file, std::string_view line) {
  if (file.has_parent_path())
    if (auto made = make_dirs(file.parent_path()); !made)
      return made;
  // Read access too: a writer checks how the file ends.
  LockedFd fd(::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0)
    return fail(fmt::format("cannot open {}: {}", file.string(), errno_text()));
  if (auto locked = lock(fd, LOCK_EX, file); !locked)
    return locked;
  auto clean = ends_cleanly(fd, file);
  if (!clean)
    return std::unexpected(clean.error());
  std::string whole;
  whole.reserve(line.size() + 2);
  if (!*clean)
    whole.push_back('\n');
  whole.append(line);
  whole.push_back('\n');
  // One write(2) of the whole line; the loop only matters if the disk fills mid-line, and the
  // lock keeps any other writer from landing inside it.
  std::string_view left = whole;
  while (!left.empty()) {
    ssize_t n = ::write(fd.get(), left.data(), left.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return fail(fmt::format("cannot write {}: {}", file.string(), n < 0 ? errno_text() : "no progress"));
    left.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<std::optional<std::string>> read_locked(const std::filesystem::path& file) {
  LockedFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT)
      return std::optional<std::string>();
    return fail(fmt::format("cannot open {}: {}", file.string(), errno_text()));
  }
  if (auto locked = lock(fd, LOCK_SH, file); !locked)
    return std::unexpected(locked.error());
  std::string contents;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail(fmt::format("cannot read {}: {}", file.string(), errno_text()));
    if (n == 0)
      break;
    contents.append(buffer, static_cast<size_t>(n));
  }
  return std::optional<std::string>(std::move(contents));
}

}  // namespace anneal
