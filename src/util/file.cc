#include "util/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <utility>

#include <fmt/format.h>

namespace anneal {

namespace fs = std::filesystem;

Result<std::string> read_file(const fs::path& path) {
  auto contents = read_file_if_exists(path);
  if (!contents) {
    int saved = errno;  // before anything else can overwrite it
    return fail(fmt::format("cannot read {}: {}", path.string(), std::strerror(saved)));
  }
  return std::move(*contents);
}

std::optional<std::string> read_file_if_exists(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      errno = saved;
      return std::nullopt;
    }
    if (n == 0)
      break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<void> make_dirs(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec)
    return fail(fmt::format("cannot create directory {}: {}", path.string(), ec.message()));
  return {};
}

Result<void> write_file_atomic(const fs::path& path, std::string_view contents, Durability durability) {
  if (path.has_parent_path()) {
    if (auto made = make_dirs(path.parent_path()); !made)
      return made;
  }
  // Concurrent writers of the same path each need their own temporary file. The pid tells
  // processes apart even when a forked child inherited the generator's state; the random part
  // tells threads apart; O_EXCL makes any remaining clash a retry instead of a shared file.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  fs::path tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 16; ++attempt) {
    tmp = path;
    tmp += fmt::format(".tmp.{}.{:x}", ::getpid(), rng());
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST)
      break;
  }
  if (fd < 0)
    return fail(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno)));
  const char* p = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return fail(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(saved)));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  // The descriptor is closed whether or not fsync succeeded.
  int synced = durability == Durability::Unsynced || ::fsync(fd) == 0 ? 0 : errno;
  int closed = ::close(fd) == 0 ? 0 : errno;
  if (synced != 0 || closed != 0) {
    ::unlink(tmp.c_str());
    return fail(fmt::format("cannot write {}: {}", tmp.string(),
                            std::strerror(synced != 0 ? synced : closed)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(tmp.c_str());
    return fail(fmt::format("cannot rename {} to {}: {}", tmp.string(), path.string(),
                            std::strerror(saved)));
  }
  return {};
}

std::string trim_line_end(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  return text;
}

}  // namespace anneal
