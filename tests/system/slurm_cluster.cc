#include "slurm_cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "harness.h"

namespace anneal::system_test {

namespace fs = std::filesystem;

namespace {

std::string squeue_lines() {
  Outcome o = sh("squeue --noheader --all -o '%i %j %T'", fs::temp_directory_path());
  if (o.status != 0)
    throw std::runtime_error("squeue failed: " + o.err);
  return o.out;
}

}  // namespace

SlurmCluster& SlurmCluster::shared() {
  // Never destroyed: the exit handler below needs it after static destructors could run.
  static SlurmCluster* cluster = new SlurmCluster();
  return *cluster;
}

SlurmCluster::SlurmCluster() {
  std::string pattern = (fs::temp_directory_path() / "anneal-slurm-XXXXXX").string();
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp failed");
  m_dir = fs::path(pattern) / "cluster";
  int to_script[2], from_script[2];
  if (::pipe2(to_script, O_CLOEXEC) != 0 || ::pipe2(from_script, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  std::string script = std::string(ANNEAL_SOURCE_DIR) + "/tests/slurm/cluster.sh";
  pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(to_script[0], STDIN_FILENO);
    ::dup2(from_script[1], STDOUT_FILENO);
    // Its own process group: a test's Ctrl-C or a group kill of a build does not reach it.
    ::setpgid(0, 0);
    ::execl("/bin/bash", "bash", script.c_str(), "run", m_dir.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(to_script[0]);
  ::close(from_script[1]);
  m_pipe = to_script[1];
  m_pid = pid;
  std::string line;
  char c;
  while (::read(from_script[0], &c, 1) == 1 && c != '\n')
    line += c;
  ::close(from_script[0]);
  const std::string prefix = "SLURM_CONF=";
  if (!line.starts_with(prefix))
    throw std::runtime_error("the Slurm cluster did not start (tests/slurm/cluster.sh; see its output above)");
  ::setenv("SLURM_CONF", line.substr(prefix.size()).c_str(), 1);
  std::string path = fs::path(anneal_binary()).parent_path().string();
  if (const char* now = std::getenv("PATH"))
    path += std::string(":") + now;
  ::setenv("PATH", path.c_str(), 1);
  // At exit the pipe closes and the script stops the cluster; wait for it, so that nothing
  // is left running when the test process is gone.
  std::atexit([] {
    SlurmCluster& self = shared();
    ::close(self.m_pipe);
    int status = 0;
    ::waitpid(self.m_pid, &status, 0);
    std::error_code ec;
    fs::remove_all(self.m_dir.parent_path(), ec);
  });
}

std::vector<long> SlurmCluster::anneal_jobs() const {
  std::vector<long> ids;
  std::istringstream in(squeue_lines());
  for (std::string id, name, state; in >> id >> name >> state;)
    if (name.starts_with("anneal:"))
      ids.push_back(std::stol(id));
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string SlurmCluster::queue() const { return squeue_lines(); }

bool SlurmCluster::wait_for_empty_queue(double seconds) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!anneal_jobs().empty()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

long SlurmCluster::wait_for_running(const std::string& name, double seconds) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    std::istringstream in(squeue_lines());
    for (std::string id, job, state; in >> id >> job >> state;)
      if (job == name && state == "RUNNING")
        return std::stol(id);
    if (std::chrono::steady_clock::now() > deadline)
      return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace anneal::system_test
