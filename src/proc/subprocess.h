// proc: child processes in their own process groups, with timeouts; lock files.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proc/sandbox.h"
#include "util/error.h"

namespace anneal::proc {

/// What a command inherits of this process's environment.
enum class Inherit {
  /// A user's command (agent, gate, stage, parse, judge.generate): everything but the secret
  /// variables (util/secrets.h), except those named in RunOptions::pass_env.
  WithoutSecrets,
  /// anneal's own processes (ninja, which starts `anneal node`, which needs the API keys
  /// for its LLM calls): everything.
  Everything,
};

struct RunOptions {
  /// Run as `/bin/sh -c command`.
  std::string command;
  /// Working directory; empty = the current one.
  std::filesystem::path cwd;
  /// Set on top of the inherited environment (same name = override).
  std::vector<std::pair<std::string, std::string>> env;
  /// Which environment is inherited; a user's command gets no secrets by default, and what
  /// it prints (RunResult::out/err) comes back redacted of every secret value (util/secrets.h).
  Inherit inherit = Inherit::WithoutSecrets;
  /// Secret variables a user's command is given all the same (`pass_env:`).
  std::vector<std::string> pass_env;
  /// Runs the command inside bubblewrap (proc/sandbox.h) with sandbox_probe()'s bwrap;
  /// nullopt: unsandboxed. run() fails when bubblewrap does not work here.
  std::optional<SandboxOptions> sandbox;
  /// Written to the child's stdin, which is then closed; nullopt = /dev/null.
  std::optional<std::string> stdin_data;
  /// Where stdout and stderr go; an empty path captures into RunResult::out / err.
  std::filesystem::path stdout_path;
  std::filesystem::path stderr_path;
  /// Called with what the command prints on a captured stream as it arrives (`is_stderr`
  /// says which), before any redaction: what it keeps, it must redact (util/secrets.h).
  std::function<void(std::string_view bytes, bool is_stderr)> on_output;
  /// Seconds before the whole process group is killed; 0 = no limit.
  double timeout_s = 0;
  /// On timeout or abort: SIGTERM to the group, then SIGKILL after this many seconds.
  double kill_grace_s = 2;
  /// Polled about every 50 ms while the child runs; returning true kills the group and
  /// sets RunResult::aborted (used when the parent build has gone away).
  std::function<bool()> should_abort;
  /// The child gets SIGKILL when this process dies (prctl PR_SET_PDEATHSIG).
  bool die_with_parent = false;
  /// The signal sent first to the group on abort or interrupt (SIGTERM by default; ninja
  /// wants SIGINT so it can stop its own children).
  int stop_signal = 15;
};

struct RunResult {
  int exit_code = -1;  ///< valid when signal == 0
  int signal = 0;      ///< the signal that ended the child, if any
  bool timed_out = false;
  double timeout_s = 0;  ///< the limit that was hit, when timed_out (for describe())
  bool aborted = false;  ///< should_abort() or an interrupt (SIGINT/SIGTERM) ended it
  double duration_s = 0;
  std::string out;  ///< captured stdout, when stdout_path was empty
  std::string err;  ///< captured stderr, when stderr_path was empty

  bool ok() const { return exit_code == 0 && signal == 0 && !timed_out && !aborted; }
  /// "exit status 3", "killed by signal 9 (Killed)", "timed out after 60s", "aborted".
  std::string describe() const;
};

/// Runs a command in a new process group and waits for it. When the command ends, any
/// process left in its group is killed; in a child subreaper (become_subreaper()) so is
/// every other descendant of this process, orphans included (they left the group with
/// setsid, or double-forked), so nothing outlives it. A sandboxed command's PID namespace
/// does the same anywhere. Fails only when the
/// command cannot be started (fork, pipes, output files). A `cwd` that cannot be entered
/// is the command's failure, like a missing program: exit status 127 with the reason on
/// its stderr. Once interrupted() is true, returns an aborted result without starting.
Result<RunResult> run(const RunOptions& options);

/// Makes this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER): a command's
/// descendants that lose their parent (a double fork, `setsid … &`) become our children
/// rather than init's, so run() can kill them when the command ends. Without a sandbox
/// this is what stops an agent's background child from changing the candidate afterwards.
/// Every child of a subreaper is taken for a command's: call it only in a process that
/// starts children through run() alone (`anneal node`). Not inherited across fork.
void become_subreaper();

/// Installs handlers for SIGINT, SIGTERM and SIGHUP that only set a flag; run() then
/// stops its child (as for an abort) and returns.
void install_interrupt_handlers();
/// True once one of those signals arrived.
bool interrupted();

}  // namespace anneal::proc
