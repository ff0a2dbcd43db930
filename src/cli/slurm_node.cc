// `anneal node --srun KEY -- SRUN_ARGS…`: what a build.ninja edge of a node placed on Slurm
// runs (graph/node_placement.h). It stays on the build machine and runs the node as one job
// step, `srun SRUN_ARGS… anneal node KEY`, on a compute node that sees the repository and
// .anneal/ on a shared file system (docs/slurm.md).
//
// Why the whole `anneal node` runs in the job, not only the user's command: the node's
// cache lookup, worktree, locks, sandbox, subreaper and timeouts then work on the compute
// node exactly as they do here (one code path, one result format), the job is one step per
// node however many repeats a stage has, and a result is stored by the process that
// computed it. What only this machine can do stays here: watching the build (a build that
// is gone ends the job), recording the job for the next build (proc/slurm_job_files.h), and
// turning a job the scheduler ended into a crashed, unfinished node with Slurm's words in
// its log, which the next build runs again.
#include <signal.h>

#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/remote_cache.h"
#include "graph/workspace.h"
#include "nodes/node.h"
#include "proc/slurm_client.h"
#include "proc/slurm_job_files.h"
#include "util/file.h"

namespace anneal::cli {

namespace {

/// Job states that mean the scheduler, not the node, ended the job.
bool ended_by_scheduler(const std::string& state) {
  for (const char* word : {"CANCELLED", "PREEMPTED", "NODE_FAIL", "TIMEOUT", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY"})
    if (state.starts_with(word))
      return true;
  return false;
}

/// Stores the crashed, unfinished attempt of a node whose job the scheduler ended.
Result<void> record_scheduler_end(graph::Workspace& workspace, const cache::Digest& key, const std::string& job,
                                  const std::string& reason, const proc::SrunResult& srun) {
  nodes::NodeContext context;
  context.store = &workspace.store();
  context.anneal_dir = workspace.anneal_dir();
  nodes::NodeResult result;
  result.outcome = nodes::Outcome::Crashed;
  result.unfinished = true;
  result.detail = fmt::format("slurm: {} was ended by the scheduler: {}", job, reason);
  result.duration_s = srun.run.duration_s;
  if (auto a = nodes::attach_blob(context, result, "stdout", srun.run.out); !a)
    return a;
  if (auto a = nodes::attach_blob(context, result, "stderr", srun.output + srun.messages); !a)
    return a;
  return workspace.store().put_attempt(key, result.serialize());
}

/// Every `pass_env` list in a node's spec (its agent's, its gate's or stage's settings).
void collect_pass_env(const nlohmann::json& j, std::vector<std::string>& into) {
  if (j.is_object()) {
    for (const auto& [name, value] : j.items())
      if (name == "pass_env" && value.is_array()) {
        for (const auto& v : value)
          if (v.is_string())
            into.push_back(v.get<std::string>());
      } else {
        collect_pass_env(value, into);
      }
  } else if (j.is_array()) {
    for (const auto& v : j)
      collect_pass_env(v, into);
  }
}

}  // namespace

Result<int> run_node_on_slurm(const std::string& key_hex, const std::vector<std::string>& srun_args) {
  std::optional<cache::Digest> key = cache::Digest::from_hex(key_hex);
  if (!key)
    return fail(fmt::format("'{}' is not a node key (32 hex digits)", key_hex));
  auto workspace = graph::Workspace::open(std::filesystem::current_path());
  if (!workspace)
    return std::unexpected(workspace.error());
  if (nodes::cached_result(workspace->store(), *key, cache::Lookup::LocalOnly))
    return 0;
  std::filesystem::path slurm_dir = workspace->anneal_dir() / "slurm";
  std::filesystem::path jobs_dir = slurm_dir / "jobs";
  if (auto made = make_dirs(slurm_dir / "srun"); !made)
    return std::unexpected(made.error());

  int build = 0;
  if (const char* pid_text = std::getenv("ANNEAL_BUILD_PID"))
    build = std::atoi(pid_text);
  std::string job_name = key_hex;
  for (const auto& arg : srun_args)
    if (arg.starts_with("--job-name="))
      job_name = arg.substr(11);

  proc::SrunOptions srun;
  srun.srun_args = srun_args;
  // The compute node's `anneal` (docs/slurm.md: the same version on its PATH).
  srun.command = {"anneal", "node", key_hex};
  srun.cwd = workspace->anneal_dir();
  srun.stderr_path = slurm_dir / "srun" / (key_hex + ".err");
  // The build's pid means nothing on another machine: the step ends when srun does.
  srun.env = {{"ANNEAL_BUILD_PID", ""}};
  // Secrets travel only where a command of the node was given them locally too.
  if (auto spec = workspace->load_spec(*key))
    collect_pass_env(spec->json, srun.pass_env);
  // The node stores its result in the remote cache as well, as it does locally.
  if (RemoteCacheSettings remote = remote_cache_from_env(); !remote.url.empty())
    srun.pass_env.push_back(token_variable(remote));
  std::optional<long> job_id;
  std::string record_error;
  srun.on_job = [&](long id) {
    job_id = id;
    if (auto recorded = proc::record_slurm_job(jobs_dir, id, build, key_hex); !recorded)
      record_error = recorded.error().message;
  };
  srun.should_abort = [build]() { return build > 0 && ::kill(build, 0) != 0 && errno == ESRCH; };
  auto ran = proc::run_srun(srun);
  if (!ran)
    return std::unexpected(ran.error());
  if (!job_id && ran->job_id)
    job_id = ran->job_id;
  std::string job = job_id ? fmt::format("job {} ({})", *job_id, job_name) : fmt::format("job {}", job_name);

  if (ran->run.aborted || proc::interrupted()) {
    // srun cancels its job when stopped; a job still waiting in the queue is cancelled here.
    if (job_id) {
      if (auto cancelled = proc::scancel({*job_id}); !cancelled)
        fmt::print(stderr, "anneal: {}: {}\n", job, cancelled.error().message);
      else
        proc::forget_slurm_job(jobs_dir, *job_id);
    }
    ::signal(SIGINT, SIG_DFL);
    ::raise(SIGINT);
    return 130;
  }
  if (job_id)
    proc::forget_slurm_job(jobs_dir, *job_id);
  if (!record_error.empty())
    fmt::print(stderr, "anneal: warning: cannot record {}: {}\n", job, record_error);
  // The remote node's own lines (its progress, its errors) for ninja's output.
  fmt::print(stderr, "{}", ran->output);
  if (ran->run.ok())
    return 0;
  if (nodes::cached_result(workspace->store(), *key, cache::Lookup::LocalOnly))
    return 0;  // the node stored its result before the job ended
  std::string reason = ran->scheduler_end;
  if (job_id) {
    std::string state = proc::job_state(*job_id);
    if (reason.empty() && ended_by_scheduler(state))
      reason = state;
    else if (!reason.empty() && !state.empty())
      reason += " (" + state + ")";
  }
  if (!reason.empty()) {
    if (auto recorded = record_scheduler_end(*workspace, *key, job, reason, *ran); !recorded)
      return std::unexpected(recorded.error());
    fmt::print(stderr, "anneal: node {}: Slurm {} was ended by the scheduler ({}); the next build runs it again\n",
               key_hex.substr(0, 16), job, reason);
    return 0;
  }
  fmt::print(stderr, "{}", ran->messages);
  fmt::print(stderr, "anneal: node {}: srun {} ended with {}\n", key_hex.substr(0, 16), job, ran->run.describe());
  return ran->run.signal ? 128 + ran->run.signal : std::max(1, ran->run.exit_code);
}

}  // namespace anneal::cli
