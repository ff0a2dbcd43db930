#include "cli/detach.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/main.h"
#include "proc/host_name.h"
#include "proc/lock_file.h"
#include "proc/subprocess.h"
#include "proc/unique_fd.h"
#include "util/clock_text.h"
#include "util/file.h"

namespace anneal::cli {

namespace fs = std::filesystem;

namespace {

/// `path` as the user would type it from here.
std::string display_path(const fs::path& path) {
  std::error_code ec;
  fs::path relative = fs::relative(path, fs::current_path(), ec);
  return ec || relative.empty() || *relative.begin() == ".." ? path.string() : relative.string();
}

/// Closes every descriptor but 0, 1, 2 and `keep`: the daemon holds nothing of the
/// terminal's or of whoever started it (a pipe it held would keep their reader waiting).
void close_other_fds(int keep) {
  std::vector<int> open;
  std::error_code ec;
  for (fs::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
    int fd = std::atoi(it->path().filename().c_str());
    if (fd > 2 && fd != keep)
      open.push_back(fd);
  }
  for (int fd : open)
    ::close(fd);  // the directory's own descriptor is among them, already closed: EBADF
}

/// The daemon, in its own session: runs the build with its output in the log and returns
/// its exit status (to main, which ends the process).
int run_daemon(const BuildArgs& args, int channel_fd, const BuildLog& log) {
  int null = ::open("/dev/null", O_RDONLY);
  int out = ::open(log.log.c_str(), O_WRONLY | O_APPEND);
  if (null < 0 || out < 0 || ::dup2(null, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0)
    ::_exit(127);  // the command sees the channel close without a word
  close_other_fds(channel_fd);
  // Each line reaches the log as it is printed, for `anneal logs -f`.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // Held as long as this process lives; a reader takes a released lock for a build gone.
  auto alive = proc::LockFile::acquire(log.lock());
  if (!alive)
    ::_exit(127);
  DaemonChannel channel(channel_fd, log);
  BuildArgs daemon_args = args;
  daemon_args.detach = false;
  daemon_args.daemon = &channel;
  Result<int> result = 0;
  try {
    result = run_build(daemon_args);
  } catch (const std::exception& e) {
    result = fail(fmt::format("internal error (please report it): {}", e.what()));
  }
  int status = report_result(result);
  channel.finish(status);
  return status;
}

/// The daemon's line on the channel ("" at end of file); nullopt when Ctrl-C ended the wait.
/// With `to_end`, it goes on reading (the line, then) until the end of file.
std::optional<std::string> read_channel(int fd, bool to_end = false) {
  std::string text;
  for (;;) {
    if (proc::interrupted())
      return std::nullopt;
    pollfd ready{fd, POLLIN, 0};
    int n = ::poll(&ready, 1, 200);
    if (n == 0 || (n < 0 && errno == EINTR))
      continue;
    char buf[128];
    ssize_t got = n < 0 ? -1 : ::read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return text;
    text.append(buf, static_cast<size_t>(got));
    if (size_t end = text.find('\n'); end != std::string::npos && !to_end)
      return text.substr(0, end);
  }
}

/// Prints what the daemon wrote to its log before it ended, on `stream`.
void relay(const BuildLog& log, FILE* stream) {
  std::string text = read_file_if_exists(log.log).value_or("");
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
}

}  // namespace

DaemonChannel::DaemonChannel(int fd, BuildLog log) : m_fd(fd), m_log(std::move(log)) {}

DaemonChannel::~DaemonChannel() {
  if (m_fd >= 0)
    ::close(m_fd);
}

Result<void> DaemonChannel::claim(graph::Workspace& workspace, const std::vector<const graph::Target*>& targets) {
  nlohmann::json names = nlohmann::json::array();
  for (const graph::Target* target : targets) {
    fs::path lock = workspace.lock_path(target->name);
    if (auto holder = proc::LockFile::holder(lock))
      return fail(fmt::format("{}: it is being built ({}); a background build does not wait for another: "
                              "stop that one (`anneal stop {}`) or start this one when it is done",
                              target->name, holder->describe(), target->name));
    m_locks.push_back(lock);
    names.push_back(target->name);
  }
  m_meta = {{"v", 1}, {"pid", ::getpid()}, {"host", proc::host_name()}, {"started", now_utc_iso()}, {"targets", names}};
  return m_log.write_meta(m_meta);
}

void DaemonChannel::poke() {
  if (m_started || m_fd < 0)
    return;
  for (const fs::path& lock : m_locks)
    if (auto holder = proc::LockFile::holder(lock); holder && holder->pid == ::getpid()) {
      m_started = true;
      send(fmt::format("started {}\n", ::getpid()));
      ::close(m_fd);
      m_fd = -1;
      return;
    }
}

void DaemonChannel::finish(int status) {
  std::fflush(stdout);
  if (!m_meta.empty()) {
    m_meta["exit"] = status;
    m_meta["ended"] = now_utc_iso();
    (void)m_log.write_meta(m_meta);
  }
  if (!m_started) {
    send(fmt::format("exit {}\n", status));
    // Left open: it closes as this process ends, which tells the command it is gone.
    m_fd = -1;
    return;
  }
  fmt::print("anneal: the background build (pid {}) ended with status {} at {}\n", ::getpid(), status, now_utc_iso());
  std::fflush(stdout);
}

void DaemonChannel::send(const std::string& line) {
  // The command may be gone (its terminal closed): no SIGPIPE for that.
  if (m_fd >= 0)
    (void)::send(m_fd, line.data(), line.size(), MSG_NOSIGNAL);
}

Result<int> run_detached(const BuildArgs& args) {
  auto workspace = graph::Workspace::open(fs::current_path());
  if (!workspace)
    return std::unexpected(workspace.error());
  auto log = create_build_log(*workspace);
  if (!log)
    return std::unexpected(log.error());
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    log->remove();
    return fail(fmt::format("cannot start a background build: socketpair: {}", std::strerror(errno)));
  }
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t first = ::fork();
  if (first < 0) {
    ::close(pair[0]);
    ::close(pair[1]);
    log->remove();
    return fail(fmt::format("cannot start a background build: fork: {}", std::strerror(errno)));
  }
  if (first == 0) {
    // A new session without a terminal, and a second fork, so the daemon is not the
    // session's leader and can never get a controlling terminal back.
    ::close(pair[0]);
    if (::setsid() < 0)
      ::_exit(127);
    pid_t daemon = ::fork();
    if (daemon != 0)
      ::_exit(daemon < 0 ? 127 : 0);
    return run_daemon(args, pair[1], *log);
  }
  ::close(pair[1]);
  proc::UniqueFd channel(pair[0]);
  int waited = 0;
  while (::waitpid(first, &waited, 0) < 0 && errno == EINTR) {
  }

  std::string shown = display_path(log->log);
  std::optional<std::string> line = read_channel(channel.get());
  if (!line) {
    fmt::print(stderr, "anneal: interrupted; the build goes on in the background (its output: {})\n", shown);
    return 130;
  }
  if (line->starts_with("started ")) {
    nlohmann::json targets = log->read_meta().value("targets", nlohmann::json::array());
    std::vector<std::string> names;
    for (const auto& name : targets)
      if (name.is_string())
        names.push_back(name.get<std::string>());
    fmt::print("anneal: building {} in the background (pid {}); its output goes to {}\n", fmt::join(names, ", "),
               line->substr(8), shown);
    fmt::print("anneal: follow it: anneal logs -f · where it is: anneal status · stop it after its current "
               "experiment: anneal stop\n");
    return 0;
  }
  if (line->starts_with("exit ")) {
    int status = std::atoi(line->c_str() + 5);
    // Until the daemon is gone, so nothing of it outlives this command.
    (void)read_channel(channel.get(), true);
    relay(*log, status == 0 ? stdout : stderr);
    log->remove();
    return status;
  }
  relay(*log, stderr);
  return fail(fmt::format("the background build ended before it started, without saying why; its output: {}", shown));
}

}  // namespace anneal::cli
