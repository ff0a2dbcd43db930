// A private one-machine Slurm cluster for system tests: tests/slurm/cluster.sh started once
// per test process (so once per test case under ctest, about a second), stopped when the
// process ends, however it ends.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace anneal::system_test {

/// The cluster of this test process. shared() starts it on first use: munged, slurmctld and
/// slurmd from scripts/install-deps.sh, with everything under a temporary folder, one node
/// `c1` with this machine's CPUs in partition `debug`. SLURM_CONF is then set in this
/// process's environment (so every anneal, srun and squeue a test starts uses it), and the
/// folder of the anneal under test leads PATH (the compute node runs `anneal node`).
///
/// The cluster script reads a pipe from this process and stops the cluster when the pipe
/// closes: at exit, or when the process dies of anything.
class SlurmCluster {
 public:
  static SlurmCluster& shared();

  /// The ids of the jobs in the queue whose names start with "anneal:" (squeue), sorted.
  std::vector<long> anneal_jobs() const;
  /// `squeue` lines of those jobs ("ID NAME STATE"), for messages.
  std::string queue() const;
  /// Waits (up to `seconds`) until no anneal job is in the queue; true if none is left.
  bool wait_for_empty_queue(double seconds) const;
  /// Waits (up to `seconds`) until a job named `name` runs; its id, or 0.
  long wait_for_running(const std::string& name, double seconds) const;

  const std::filesystem::path& dir() const { return m_dir; }

 private:
  SlurmCluster();
  std::filesystem::path m_dir;
  int m_pipe = -1;  ///< the write end the cluster script watches
  int m_pid = 0;
};

}  // namespace anneal::system_test
