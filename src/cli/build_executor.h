// The executor side of `anneal build`: where its nodes run (--executor over the Annealfile),
// how many run at once when no -j is given, and the Slurm jobs a killed build left behind.
#pragma once

#include <functional>
#include <string>

#include "cli/commands.h"
#include "cli/project.h"
#include "graph/target_build.h"
#include "util/error.h"

namespace anneal::cli {

/// Sets options.place and, without -j, options.jobs from the executor's capacity (a slurm
/// executor's `jobs`, else its partition's idle CPUs). Before anything runs on Slurm, cancels
/// the jobs of builds that were killed (proc/slurm_job_files.h), saying so through `note`.
/// Not for a dry run's -n: nothing is placed, nothing is cancelled.
Result<void> prepare_executor(const Project& project, const BuildArgs& args, graph::BuildOptions& options,
                              const std::function<void(const std::string&)>& note);

}  // namespace anneal::cli
