#include "proc/slurm_client.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "util/file.h"
#include "util/shell_word.h"

namespace anneal::proc {

namespace {

/// The number at the start of `text`, if there is one.
std::optional<long> leading_number(std::string_view text) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data())
    return std::nullopt;
  return value;
}

/// The job id in one of srun's lines ("jobid 12: nodes(1)…", "job 12 queued and waiting
/// for resources", "job 12 has been allocated resources"), without "srun: ".
std::optional<long> job_id_in(std::string_view line) {
  for (std::string_view prefix : {"jobid ", "job "})
    if (line.starts_with(prefix))
      return leading_number(line.substr(prefix.size()));
  return std::nullopt;
}

/// srun's chatter at -v (kept out of the node's log): its launch steps and plugin loads.
bool chatter(std::string_view line) {
  for (std::string_view prefix : {"jobid ", "launch", "route/", "Complete ", "------", "debug", "auth/",
                                  "select/", "cred/", "mpi/", "switch/", "Received task exit"})
    if (line.starts_with(prefix))
      return true;
  return false;
}

/// Runs a Slurm client command through sh, its stdout and stderr captured together. Not
/// through proc::run: the jobs of an interrupted node are cancelled after the interrupt,
/// when run() would start nothing.
Result<RunResult> run_client(const std::string& command) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return fail(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return fail(fmt::format("cannot fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0)
      ::dup2(null, STDIN_FILENO);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  RunResult result;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    result.out.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.signal = WTERMSIG(status);
  result.err = result.out;
  return result;
}

}  // namespace

void parse_srun_stderr(const std::string& text, SrunResult& into) {
  bool in_options = false;
  std::string step_err;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line(text.data() + pos, end - pos);
    std::string_view whole(text.data() + pos, std::min(end + 1, text.size()) - pos);
    pos = end + 1;
    if (line.starts_with("srun: ")) {
      std::string_view rest = line.substr(6);
      if (rest == "defined options" || rest == "end of defined options") {
        in_options = rest == "defined options";
        continue;
      }
      if (in_options)
        continue;
      if (auto id = job_id_in(rest); id && !into.job_id)
        into.job_id = id;
      if (!chatter(rest))
        into.messages += whole;
    } else if (line.starts_with("slurmstepd")) {
      into.messages += whole;
      size_t open = line.find("*** ");
      size_t close = line.rfind(" ***");
      if (open != std::string_view::npos && close != std::string_view::npos && close > open)
        into.scheduler_end = std::string(line.substr(open, close + 4 - open));
    } else {
      step_err += whole;
    }
  }
  into.output += step_err;
}

Result<SrunResult> run_srun(const SrunOptions& options) {
  std::vector<std::string> words = {"srun", "-v", "--quit-on-interrupt"};
  words.insert(words.end(), options.srun_args.begin(), options.srun_args.end());
  words.insert(words.end(), options.command.begin(), options.command.end());
  RunOptions run;
  run.command = "exec " + shell_words(words);
  run.cwd = options.cwd;
  run.env = options.env;
  run.inherit = Inherit::WithoutSecrets;
  run.pass_env = options.pass_env;
  run.stderr_path = options.stderr_path;
  // srun cancels its job on SIGTERM and waits for the step to end (KillWait, then SIGKILL).
  run.stop_signal = 15;
  run.kill_grace_s = 30;
  run.die_with_parent = true;
  bool told = false;
  run.should_abort = [&]() {
    if (!told && options.on_job) {
      SrunResult so_far;
      if (auto text = read_file_if_exists(options.stderr_path)) {
        parse_srun_stderr(*text, so_far);
        if (so_far.job_id) {
          told = true;
          options.on_job(*so_far.job_id);
        }
      }
    }
    return options.should_abort && options.should_abort();
  };
  auto ran = proc::run(run);
  if (!ran)
    return std::unexpected(ran.error());
  SrunResult result;
  result.run = std::move(*ran);
  result.output = result.run.out;
  if (auto text = read_file_if_exists(options.stderr_path))
    parse_srun_stderr(*text, result);
  std::error_code ec;
  std::filesystem::remove(options.stderr_path, ec);
  if (result.run.exit_code == 127 && !result.job_id && result.messages.empty() &&
      result.output.find("srun") != std::string::npos)
    result.messages = "srun was not found on PATH; install Slurm's client (Debian: slurm-client)\n";
  if (result.job_id && !told && options.on_job)
    options.on_job(*result.job_id);  // srun ended before a poll saw its job
  return result;
}

Result<void> scancel(const std::vector<long>& job_ids) {
  if (job_ids.empty())
    return {};
  // --quiet: a job that has ended meanwhile is not an error.
  std::string command = "exec scancel --quiet";
  for (long id : job_ids)
    command += fmt::format(" {}", id);
  auto ran = run_client(command);
  if (!ran)
    return std::unexpected(ran.error());
  if (!ran->ok())
    return fail(fmt::format("scancel failed ({}): {}", ran->describe(), ran->err));
  return {};
}

Result<int> idle_cpus(const std::string& partition) {
  // %P is the partition's name, with '*' after the default one; %C is allocated/idle/other/total.
  std::string command = "exec sinfo --noheader -o '%P %C'";
  if (!partition.empty())
    command += " --partition=" + shell_word(partition);
  auto ran = run_client(command);
  if (!ran)
    return std::unexpected(ran.error());
  if (!ran->ok())
    return fail(fmt::format("sinfo failed ({}): {}", ran->describe(), ran->err));
  std::optional<int> first, chosen;
  for (size_t pos = 0; pos < ran->out.size();) {
    size_t end = std::min(ran->out.find('\n', pos), ran->out.size());
    std::string_view line(ran->out.data() + pos, end - pos);
    pos = end + 1;
    size_t space = line.find(' ');
    size_t slash = line.find('/');
    if (space == std::string_view::npos || slash == std::string_view::npos || slash < space)
      continue;
    auto idle = leading_number(line.substr(slash + 1));
    if (!idle)
      continue;
    if (!first)
      first = static_cast<int>(*idle);
    if (line.substr(0, space).ends_with('*'))
      chosen = static_cast<int>(*idle);
  }
  if (!chosen)
    chosen = first;
  if (!chosen)
    return fail(fmt::format("sinfo printed no partition{}", partition.empty() ? "" : " named " + partition));
  return *chosen;
}

std::string job_state(long job_id) {
  auto ran = run_client(fmt::format("exec scontrol --oneliner show job {}", job_id));
  if (!ran || !ran->ok())
    return "";
  auto field = [&](std::string_view name) {
    size_t at = ran->out.find(std::string(" ") + std::string(name) + "=");
    if (at == std::string::npos)
      return std::string();
    size_t end = ran->out.find_first_of(" \n", at + 1);
    return ran->out.substr(at + 1, end - at - 1);
  };
  std::string state = field("JobState"), reason = field("Reason");
  return state.empty() ? "" : state + (reason.empty() ? "" : " " + reason);
}

}  // namespace anneal::proc
