#include "proc/subprocess.h"
#include "proc/signal_name.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <string_view>
#include <thread>

#include "proc/unique_fd.h"
#include "util/file.h"
#include "util/secrets.h"

extern char** environ;

namespace anneal::proc {

namespace {

using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

constexpr auto k_poll_interval = std::chrono::milliseconds(50);
constexpr size_t k_chunk = 65536;
// Read at most this much per pipe per turn of the loop, so a chatty child cannot keep
// the loop from noticing its timeout.
constexpr size_t k_max_read_per_turn = 1 << 20;

volatile std::sig_atomic_t g_interrupted = 0;

void on_interrupt(int) {
  g_interrupted = 1;
}

std::string errno_text() {
  return std::strerror(errno);
}

Result<void> make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return fail(fmt::format("cannot create a pipe: {}", errno_text()));
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return {};
}

Result<UniqueFd> open_output(const std::filesystem::path& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return fail(
        fmt::format("cannot open {} for the command's output: {}", path.string(), errno_text()));
  return UniqueFd(fd);
}

/// The inherited environment with the overrides applied, as execve wants it. Built
/// before fork, because the child may only call async-signal-safe functions.
struct Environment {
  std::vector<std::string> entries;
  std::vector<char*> pointers;
};

Environment build_environment(const RunOptions& options) {
  std::map<std::string, std::string, std::less<>> overrides;
  for (const auto& [name, value] : options.env) overrides[name] = value;
  std::vector<std::string> inherited;
  if (options.inherit == Inherit::Everything) {
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry)
      inherited.emplace_back(*entry);
  } else {
    inherited = child_environment(options.pass_env);
  }
  Environment out;
  for (std::string& entry : inherited) {
    std::string_view name = std::string_view(entry).substr(0, entry.find('='));
    if (overrides.contains(name))
      continue;
    // The build's probe is for its nodes, not for what they run.
    if (options.inherit == Inherit::WithoutSecrets && name == k_sandbox_env)
      continue;
    // Inside the sandbox only the private /tmp is writable.
    if (options.sandbox && name == "TMPDIR") {
      out.entries.push_back("TMPDIR=/tmp");
      continue;
    }
    out.entries.push_back(std::move(entry));
  }
  for (const auto& [name, value] : overrides) out.entries.push_back(name + "=" + value);
  for (auto& entry : out.entries) out.pointers.push_back(entry.data());
  out.pointers.push_back(nullptr);
  return out;
}

/// The direct children of `pid`, zombies included: from /proc/PID/task/*/children where
/// the kernel has it, else by reading every process's parent.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path tasks = fs::path("/proc") / std::to_string(pid) / "task";
  bool listed = false;
  for (fs::directory_iterator it(tasks, ec), end; !ec && it != end; it.increment(ec)) {
    auto text = read_file_if_exists(it->path() / "children");
    if (!text)
      continue;
    listed = true;
    const char* p = text->c_str();
    while (*p != '\0') {
      char* next = nullptr;
      long child = std::strtol(p, &next, 10);
      if (next == p)
        break;
      out.push_back(static_cast<pid_t>(child));
      p = next;
    }
  }
  if (listed)
    return out;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0])))
      continue;
    auto stat = read_file_if_exists(it->path() / "stat");
    if (!stat)
      continue;
    // "PID (COMM) STATE PPID …": COMM may hold spaces and parentheses.
    size_t paren = stat->rfind(')');
    if (paren == std::string::npos || paren + 4 >= stat->size())
      continue;
    const char* fields = stat->c_str() + paren + 4;
    if (std::strtol(fields, nullptr, 10) == pid)
      out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

bool is_subreaper() {
  int flag = 0;
  return ::prctl(PR_GET_CHILD_SUBREAPER, &flag) == 0 && flag != 0;
}

/// In a subreaper, kills every descendant of this process but `keep` (the exited leader,
/// still a zombie so its pid is not reused) and reaps the ones that become our children,
/// until none is left: a killed process's own children are handed to us. Gives up after a
/// few seconds on a process the kernel cannot kill (stuck in the D state). Elsewhere a
/// command's orphans went to init and cannot be found: nothing to do.
void kill_descendants(pid_t keep) {
  if (!is_subreaper())
    return;
  const pid_t self = ::getpid();
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    std::vector<pid_t> direct = children_of(self);
    std::erase(direct, keep);
    std::vector<pid_t> all = direct;
    for (size_t i = 0; i < all.size(); ++i)
      for (pid_t child : children_of(all[i])) all.push_back(child);
    if (all.empty() || std::chrono::steady_clock::now() > give_up)
      return;
    for (pid_t pid : all) ::kill(pid, SIGKILL);
    for (pid_t pid : direct) {
      int status;
      while (::waitpid(pid, &status, WNOHANG) < 0 && errno == EINTR) {
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

/// Everything the child needs, prepared by the parent.
struct ChildSpec {
  int stdin_fd;
  int stdout_fd;
  int stderr_fd;
  const char* cwd;  // nullptr = stay
  std::string cwd_error_prefix;
  std::string exec_error_prefix;
  char* const* argv;
  char* const* envp;
  bool die_with_parent;
  pid_t parent;
};

void write_all_raw(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

/// Reports why the child could not start on its stderr, then exits 127 as a shell
/// does for a command it cannot run. Async-signal-safe.
[[noreturn]] void child_fail(const std::string& prefix, int error) {
  write_all_raw(2, prefix.data(), prefix.size());
  const char* reason = ::strerrordesc_np(error);
  if (reason == nullptr)
    reason = "unknown error";
  write_all_raw(2, reason, std::strlen(reason));
  write_all_raw(2, "\n", 1);
  ::_exit(127);
}

/// Runs in the forked child: only async-signal-safe calls from here on.
[[noreturn]] void exec_child(const ChildSpec& spec) {
  ::setpgid(0, 0);
  if (spec.die_with_parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The parent may have died before prctl took effect.
    if (::getppid() != spec.parent)
      ::_exit(127);
  }
  // The child starts with the parent's mask and ignored signals; a command expects the
  // defaults (a shell pipeline relies on SIGPIPE, for one).
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP)
      continue;
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    ::sigaction(sig, &action, nullptr);
  }

  // Move the sources above 2 first, so that placing one cannot overwrite another.
  int sources[3] = {spec.stdin_fd, spec.stdout_fd, spec.stderr_fd};
  for (int& fd : sources) {
    if (fd < 3)
      fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
      ::_exit(127);
  }
  for (int target = 0; target < 3; ++target) {
    while (::dup2(sources[target], target) < 0) {
      if (errno != EINTR)
        ::_exit(127);
    }
  }
  // Descriptors another thread opened without O_CLOEXEC must not leak into the command:
  // a leaked pipe end would keep some reader waiting for an end of file.
  if (::close_range(3, ~0U, 0) != 0) {
    for (int fd = 3; fd < 1024; ++fd) ::close(fd);
  }

  if (spec.cwd != nullptr && ::chdir(spec.cwd) != 0)
    child_fail(spec.cwd_error_prefix, errno);
  ::execve(spec.argv[0], spec.argv, spec.envp);
  child_fail(spec.exec_error_prefix, errno);
}

/// Owns a started child's process group: if run() leaves early (an exception from
/// should_abort, say), the group is killed and the leader reaped, never left behind.
class ChildGroup {
 public:
  explicit ChildGroup(pid_t pid) : m_pid(pid) {}
  ChildGroup(const ChildGroup&) = delete;
  ChildGroup& operator=(const ChildGroup&) = delete;
  ~ChildGroup() {
    if (m_pid <= 0)
      return;
    ::kill(-m_pid, SIGKILL);
    ::kill(m_pid, SIGKILL);
    kill_descendants(m_pid);
    int status;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  pid_t pid() const { return m_pid; }
  void signal_group(int sig) const { ::kill(-m_pid, sig); }
  /// True once the leader has exited; it stays a zombie (WNOWAIT) so its pid, and with it
  /// the group id, cannot be reused before the rest of the group is killed.
  bool leader_exited() const {
    siginfo_t info{};
    int rc;
    do {
      rc = ::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT);
    } while (rc < 0 && errno == EINTR);
    // ECHILD: SIGCHLD is ignored, so the kernel reaped the leader already.
    return (rc == 0 && info.si_pid == m_pid) || (rc < 0 && errno == ECHILD);
  }
  /// Reaps the exited leader and returns its wait status, if the kernel kept it.
  std::optional<int> reap() {
    int status = 0;
    int rc;
    do {
      rc = ::waitpid(m_pid, &status, 0);
    } while (rc < 0 && errno == EINTR);
    m_pid = -1;
    if (rc < 0)
      return std::nullopt;
    return status;
  }

 private:
  pid_t m_pid;
};

/// Blocks SIGPIPE for this thread while the child's stdin is written, so a child that
/// exits without reading it makes write() fail with EPIPE instead of killing us; a
/// SIGPIPE raised meanwhile is consumed before the old mask returns.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &set, &m_old);
    sigset_t pending;
    sigemptyset(&pending);
    ::sigpending(&pending);
    m_was_pending = sigismember(&pending, SIGPIPE) == 1;
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;
  ~SigpipeBlocked() {
    if (!m_was_pending) {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGPIPE);
      const timespec zero{};
      while (::sigtimedwait(&set, nullptr, &zero) == SIGPIPE) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
  }

 private:
  sigset_t m_old;
  bool m_was_pending = false;
};

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0)
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/// Reads what is available from a non-blocking pipe into `sink`, at most `limit` bytes.
/// Closes the pipe at end of file or on an error.
void read_available(UniqueFd& fd, std::string& sink, size_t limit) {
  char buf[k_chunk];
  size_t taken = 0;
  while (fd.valid() && taken < limit) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      sink.append(buf, static_cast<size_t>(n));
      taken += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      fd.reset();
    }
  }
}

/// Writes the next part of the child's stdin; closes the pipe when all is written or
/// the child stopped reading.
void write_available(UniqueFd& fd, std::string_view data, size_t& written) {
  while (fd.valid() && written < data.size()) {
    size_t size = std::min(k_chunk, data.size() - written);
    ssize_t n = ::write(fd.get(), data.data() + written, size);
    if (n > 0) {
      written += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      fd.reset();
    }
  }
  fd.reset();
}

UniqueFd open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  // Readable when the child exits, so poll() wakes at once instead of at the next tick.
  return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
#else
  (void)pid;
  return UniqueFd();
#endif
}

}  // namespace

std::string RunResult::describe() const {
  if (aborted)
    return "aborted";
  if (timed_out)
    return fmt::format("timed out after {}s", timeout_s);
  if (signal != 0)
    return "killed by " + signal_text(signal);
  return fmt::format("exit status {}", exit_code);
}

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  // SA_RESTART spares other code from EINTR; poll() in run() is never restarted, so
  // run() still notices the signal at once.
  action.sa_flags = SA_RESTART;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &action, nullptr);
}

bool interrupted() {
  return g_interrupted != 0;
}

void become_subreaper() {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
}

Result<RunResult> run(const RunOptions& options) {
  RunResult result;
  if (interrupted()) {
    result.aborted = true;
    return result;
  }

  UniqueFd stdin_read, stdin_write, out_read, out_write, err_read, err_write;
  if (options.stdin_data) {
    if (auto made = make_pipe(stdin_read, stdin_write); !made)
      return std::unexpected(made.error());
  } else {
    stdin_read.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!stdin_read.valid())
      return fail(fmt::format("cannot open /dev/null: {}", errno_text()));
  }
  if (options.stdout_path.empty()) {
    if (auto made = make_pipe(out_read, out_write); !made)
      return std::unexpected(made.error());
  } else {
    auto file = open_output(options.stdout_path);
    if (!file)
      return std::unexpected(file.error());
    out_write = std::move(*file);
  }
  if (options.stderr_path.empty()) {
    if (auto made = make_pipe(err_read, err_write); !made)
      return std::unexpected(made.error());
  } else if (options.stderr_path == options.stdout_path) {
    // One open file description, so the two streams interleave instead of overwriting.
    err_write.reset(::fcntl(out_write.get(), F_DUPFD_CLOEXEC, 0));
    if (!err_write.valid())
      return fail(fmt::format("cannot duplicate a descriptor: {}", errno_text()));
  } else {
    auto file = open_output(options.stderr_path);
    if (!file)
      return std::unexpected(file.error());
    err_write = std::move(*file);
  }

  std::vector<std::string> args;
  if (options.sandbox) {
    const SandboxProbe& probe = sandbox_probe();
    if (!probe.available)
      return fail(fmt::format("cannot run `{}` in a sandbox: {}", options.command, probe.reason));
    args = sandbox_argv(probe.bwrap, *options.sandbox, options.cwd);
  }
  args.insert(args.end(), {"/bin/sh", "-c", options.command});
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  Environment env = build_environment(options);
  const std::string cwd = options.cwd.string();
  ChildSpec spec{
      .stdin_fd = stdin_read.get(),
      .stdout_fd = out_write.get(),
      .stderr_fd = err_write.get(),
      .cwd = cwd.empty() ? nullptr : cwd.c_str(),
      .cwd_error_prefix = fmt::format("anneal: cannot change to directory {}: ", cwd),
      .exec_error_prefix = fmt::format("anneal: cannot run {}: ", args.front()),
      .argv = argv.data(),
      .envp = env.pointers.data(),
      .die_with_parent = options.die_with_parent,
      .parent = ::getpid(),
  };

  const auto start = Clock::now();
  pid_t pid = ::fork();
  if (pid < 0)
    return fail(fmt::format("cannot start `{}`: fork: {}", options.command, errno_text()));
  if (pid == 0)
    exec_child(spec);
  ChildGroup child(pid);
  // Both sides set the group, so it exists whichever runs first.
  ::setpgid(pid, pid);
  stdin_read.reset();
  out_write.reset();
  err_write.reset();
  for (UniqueFd* fd : {&stdin_write, &out_read, &err_read}) {
    if (fd->valid())
      set_nonblocking(fd->get());
  }
  UniqueFd pidfd = open_pidfd(pid);

  const std::string_view input = options.stdin_data ? *options.stdin_data : std::string_view();
  size_t written = 0;
  if (input.empty())
    stdin_write.reset();
  SigpipeBlocked sigpipe_blocked;

  const bool has_deadline = options.timeout_s > 0;
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(Seconds(options.timeout_s));
  auto last_abort_check = start;
  bool stopping = false;
  bool killed = false;
  Clock::time_point kill_at;
  // Reads what the command printed, handing the new bytes to on_output as they arrive.
  auto drain = [&](UniqueFd& fd, std::string& sink, size_t limit) {
    size_t before = sink.size();
    read_available(fd, sink, limit);
    if (options.on_output && sink.size() > before)
      options.on_output(std::string_view(sink).substr(before), &sink == &result.err);
  };

  for (;;) {
    pollfd fds[4];
    nfds_t count = 0;
    auto watch = [&](const UniqueFd& fd, short events) {
      if (fd.valid())
        fds[count++] = pollfd{fd.get(), events, 0};
    };
    watch(stdin_write, POLLOUT);
    watch(out_read, POLLIN);
    watch(err_read, POLLIN);
    watch(pidfd, POLLIN);
    // EINTR only shortens the wait; the checks below run either way.
    ::poll(fds, count, static_cast<int>(k_poll_interval.count()));

    if (stdin_write.valid())
      write_available(stdin_write, input, written);
    drain(out_read, result.out, k_max_read_per_turn);
    drain(err_read, result.err, k_max_read_per_turn);

    if (child.leader_exited()) {
      // Whatever the leader left running goes with it; its output so far is drained,
      // but a straggler that escaped the group cannot make us wait for end of file.
      child.signal_group(SIGKILL);
      kill_descendants(pid);
      drain(out_read, result.out, SIZE_MAX);
      drain(err_read, result.err, SIZE_MAX);
      if (std::optional<int> status = child.reap()) {
        if (WIFSIGNALED(*status))
          result.signal = WTERMSIG(*status);
        else if (WIFEXITED(*status))
          result.exit_code = WEXITSTATUS(*status);
      }
      // bwrap reports a command killed by signal N as exit status 128 + N, the way a
      // shell does; the result says what it would say unsandboxed.
      if (options.sandbox && result.exit_code > 128 && result.exit_code < 128 + NSIG) {
        result.signal = result.exit_code - 128;
        result.exit_code = -1;
      }
      break;
    }

    const auto now = Clock::now();
    if (!stopping) {
      if (has_deadline && now >= deadline) {
        result.timed_out = true;
        result.timeout_s = options.timeout_s;
      } else if (interrupted()) {
        result.aborted = true;
      } else if (options.should_abort && now - last_abort_check >= k_poll_interval) {
        last_abort_check = now;
        result.aborted = options.should_abort();
      }
      if (result.timed_out || result.aborted) {
        stopping = true;
        stdin_write.reset();
        child.signal_group(options.stop_signal);
        kill_at = now + std::chrono::duration_cast<Clock::duration>(
                            Seconds(std::max(0.0, options.kill_grace_s)));
      }
    } else if (!killed && now >= kill_at) {
      killed = true;
      child.signal_group(SIGKILL);
    }
  }
  result.duration_s = Seconds(Clock::now() - start).count();
  // A user's command may print a secret it was passed (or found): nothing anneal keeps of
  // what it printed may hold the value.
  if (options.inherit == Inherit::WithoutSecrets) {
    result.out = redact(result.out);
    result.err = redact(result.err);
  }
  return result;
}

}  // namespace anneal::proc
