#include "cli/build_executor.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "graph/node_placement.h"
#include "proc/slurm_client.h"
#include "proc/slurm_job_files.h"

namespace anneal::cli {

Result<void> prepare_executor(const Project& project, const BuildArgs& args, graph::BuildOptions& options,
                              const std::function<void(const std::string&)>& note) {
  graph::ExecutorOverride override = args.executor == "local"   ? graph::ExecutorOverride::Local
                                     : args.executor == "slurm" ? graph::ExecutorOverride::Slurm
                                                                : graph::ExecutorOverride::None;
  // A build killed with -9 could not cancel its jobs; they would hold the partition (and,
  // still queued, start on their own later). Done before the first check of the executor, so
  // a build with --executor local cleans up after a killed slurm build all the same.
  std::filesystem::path jobs_dir = project.workspace.anneal_dir() / "slurm" / "jobs";
  if (!proc::orphaned_slurm_jobs(jobs_dir).empty()) {
    auto cancelled = proc::cancel_orphaned_slurm_jobs(jobs_dir);
    if (!cancelled)
      return fail(fmt::format("cannot cancel the Slurm jobs a killed build left ({}): {}",
                              jobs_dir.string(), cancelled.error().message));
    note(fmt::format("anneal: cancelled {} Slurm job{} left by a build that was killed: {}", cancelled->size(),
                     cancelled->size() == 1 ? "" : "s", fmt::join(*cancelled, ", ")));
  }
  auto slurm = graph::build_slurm_executor(project.annealfile, override);
  if (!slurm)
    return {};
  const graph::Annealfile* file = &project.annealfile;
  options.place = [file, override](const graph::PlannedNode& node) { return graph::place_node(*file, node, override); };
  if (options.jobs > 0)
    return {};
  if (slurm->jobs > 0) {
    options.jobs = slurm->jobs;
    return {};
  }
  auto idle = proc::idle_cpus(slurm->partition);
  if (!idle)
    return fail(fmt::format("cannot ask Slurm for the partition's capacity: {} (is SLURM_CONF right? see docs/slurm.md; "
                            "`executor: {{kind: slurm, jobs: N}}` or -j N skips the question)",
                            idle.error().message));
  // Every node is at least one CPU; a busy partition still gets one node at a time.
  options.jobs = std::max(1, *idle);
  return {};
}

}  // namespace anneal::cli
