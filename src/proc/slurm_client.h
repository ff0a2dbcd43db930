// Slurm's client programs as anneal uses them: one `srun` job step per node, `scancel` by
// job id, `sinfo` for a partition's idle CPUs. Every program is found on PATH, and talks to
// the cluster that SLURM_CONF (or the system's slurm.conf) names.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "proc/subprocess.h"
#include "util/error.h"

namespace anneal::proc {

struct SrunOptions {
  std::vector<std::string> srun_args;  ///< srun's options (--job-name, --partition, …)
  std::vector<std::string> command;    ///< what the job step runs, word by word
  std::filesystem::path cwd;           ///< srun's (and so the step's) working directory
  /// Where srun's stderr is kept while it runs (read for the job id); removed at the end.
  std::filesystem::path stderr_path;
  std::vector<std::pair<std::string, std::string>> env;  ///< on top of this process's
  /// The secret variables (util/secrets.h) the step is given: those its node's commands may
  /// get (`pass_env:`). The others stay on this machine: srun copies the environment it is
  /// given to the compute node.
  std::vector<std::string> pass_env;
  /// Called once, as soon as srun says which job it has (before the step starts, for a
  /// job that waits in the queue).
  std::function<void(long job_id)> on_job;
  /// Polled while srun runs; true stops it (SIGTERM: srun cancels its job).
  std::function<bool()> should_abort;
};

struct SrunResult {
  RunResult run;                ///< how srun ended; a step's exit status is srun's
  std::optional<long> job_id;   ///< nullopt: srun never got a job
  std::string output;           ///< what the step printed (stdout, then stderr)
  std::string messages;         ///< srun's and slurmstepd's own lines, its option dump left out
  /// Non-empty when the scheduler ended the step (cancelled, preempted, a time limit, a
  /// node failure): Slurm's words, e.g. "*** STEP 4.0 ON c1 CANCELLED AT 2026-12-03T16:26:55 ***".
  std::string scheduler_end;
};

/// Runs `srun -v --quit-on-interrupt <srun_args> <command>` and waits for it. Fails only when
/// srun cannot be started.
Result<SrunResult> run_srun(const SrunOptions& options);

/// What srun printed on stderr, taken apart (exposed for tests): the job id, the step's own
/// lines, srun's messages and the scheduler's end.
void parse_srun_stderr(const std::string& text, SrunResult& into);

/// `scancel` of these jobs (nothing for none). Fails with scancel's words when it fails.
Result<void> scancel(const std::vector<long>& job_ids);

/// The idle CPUs of `partition` (empty: every partition) as sinfo counts them now.
Result<int> idle_cpus(const std::string& partition);

/// "JobState=CANCELLED Reason=None" of a job the controller still remembers, else "".
std::string job_state(long job_id);

}  // namespace anneal::proc
