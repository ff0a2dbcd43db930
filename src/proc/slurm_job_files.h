// The Slurm jobs a build has in flight, one file each, so that a build killed with -9 (whose
// `anneal node` processes could not cancel their jobs) leaves behind what the next build
// needs to cancel them before it starts.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/error.h"

namespace anneal::proc {

// <dir>/<job id> (dir is .anneal/slurm/jobs), text, version 1:
//
//   v 1\n
//   pid <the `anneal node` on the build machine that started srun>\n
//   build <the build's pid>\n
//   host <the build machine's hostname>\n
//   node <node key>\n
//
// written as soon as srun names its job (a job waiting in the queue included), removed once
// srun has ended and the job is cancelled or done.

/// Records job `job_id`, started for node `key` by this process for build `build_pid`.
Result<void> record_slurm_job(const std::filesystem::path& dir, long job_id, int build_pid, const std::string& key);

/// Removes the record of `job_id`.
void forget_slurm_job(const std::filesystem::path& dir, long job_id);

/// The recorded jobs whose `anneal node` or build is gone (on this host; records from other
/// hosts are left alone, and so are jobs of builds still running): what a killed build left.
std::vector<long> orphaned_slurm_jobs(const std::filesystem::path& dir);

/// scancel of every orphaned job, then their records removed; the ids cancelled. A failing
/// scancel (no Slurm here any more) keeps the records and fails.
Result<std::vector<long>> cancel_orphaned_slurm_jobs(const std::filesystem::path& dir);

}  // namespace anneal::proc
