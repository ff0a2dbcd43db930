#include "proc/supervised.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "proc/subprocess.h"
#include "proc/unique_fd.h"

namespace anneal::proc {

namespace {

void write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;  // nobody reads our stderr any more: the output is still kept
    data += n;
    size -= static_cast<size_t>(n);
  }
}

/// Reads what is there; false at the end of the pipe (or on an error).
bool relay(int fd, std::string& kept, size_t keep) {
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return true;
    if (n <= 0)
      return false;
    write_all(STDERR_FILENO, buffer, static_cast<size_t>(n));
    kept.append(buffer, static_cast<size_t>(n));
    if (kept.size() > 2 * keep)
      kept.erase(0, kept.size() - keep);
  }
}

}  // namespace

Result<ChildEnd> run_in_child(const std::function<int()>& body, size_t keep) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return fail(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  std::fflush(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0)
    return fail(fmt::format("cannot fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent)
      std::_Exit(1);  // the parent died before prctl took effect
    ::dup2(write_end.get(), STDOUT_FILENO);
    ::dup2(write_end.get(), STDERR_FILENO);
    read_end.reset();
    write_end.reset();
    int code = body();
    std::fflush(nullptr);
    std::exit(code);
  }
  write_end.reset();
  ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);
  ChildEnd end;
  bool open = true, reaped = false, passed_on = false;
  int status = 0;
  while (!reaped || open) {
    if (open) {
      pollfd p{read_end.get(), POLLIN, 0};
      if (::poll(&p, 1, 100) > 0)
        open = relay(read_end.get(), end.output, keep);
    } else {
      ::usleep(1000);  // the pipe closed just before the exit: the status is a moment away
    }
    if (!reaped) {
      pid_t got = ::waitpid(pid, &status, WNOHANG);
      reaped = got == pid || (got < 0 && errno == ECHILD);
    }
    if (reaped && open) {
      // A process the child started may hold the pipe open: take what is there, then stop.
      relay(read_end.get(), end.output, keep);
      open = false;
    }
    if (interrupted() && !passed_on && !reaped) {
      ::kill(pid, SIGTERM);
      passed_on = true;
    }
  }
  if (end.output.size() > keep)
    end.output.erase(0, end.output.size() - keep);
  if (WIFSIGNALED(status))
    end.signal = WTERMSIG(status);
  else if (WIFEXITED(status))
    end.exit_code = WEXITSTATUS(status);
  return end;
}

}  // namespace anneal::proc
