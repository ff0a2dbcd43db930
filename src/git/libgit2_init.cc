// Starting libgit2 once per process, without loading the system's TLS certificates.
//
// libgit2 as Debian builds it (mbedTLS backend) parses the whole CA bundle in
// git_libgit2_init(): about 3 ms of CPU in every process. anneal never speaks HTTPS through
// libgit2 (its network goes through libcurl), and `anneal node` starts once per node, so
// during that one call the bundle is reported missing. This `stat` interposes on the one
// libgit2 calls; everything else sees the real file system.
#include <fcntl.h>
#include <sys/stat.h>

#include <git2.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "git/handle.h"

namespace {
std::atomic<bool> g_starting_libgit2{false};
}

extern "C" int stat(const char* path, struct stat* buf) {
  if (g_starting_libgit2.load(std::memory_order_relaxed) &&
      std::strcmp(path, "/etc/ssl/certs/ca-certificates.crt") == 0) {
    errno = ENOENT;
    return -1;
  }
  return ::fstatat(AT_FDCWD, path, buf, 0);
}

namespace anneal::git {

void ensure_libgit2() {
  static std::once_flag once;
  // Never shut down: handles may live until static destruction.
  std::call_once(once, [] {
    g_starting_libgit2 = true;
    git_libgit2_init();
    g_starting_libgit2 = false;
  });
}

}  // namespace anneal::git
