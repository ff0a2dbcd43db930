#include "graph/ninja_jobs.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>

namespace anneal::graph {

int ninja_default_jobs() {
  int cpus = 0;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    cpus = CPU_COUNT(&set);
  if (cpus <= 0)
    cpus = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  return cpus <= 1 ? 2 : cpus == 2 ? 3 : cpus + 2;
}

std::map<std::string, int> node_pools(const std::vector<PlannedNode>& nodes) {
  std::map<std::string, int> pools;
  for (const auto& n : nodes)
    if (!n.pool.empty() && !n.exclusive)
      pools.emplace(n.pool, std::max(1, n.pool_depth));
  return pools;
}

int ninja_jobs(const std::vector<PlannedNode>& nodes, int command_jobs) {
  auto pools = node_pools(nodes);
  if (pools.empty())
    return command_jobs;
  int jobs = command_jobs + 1;
  for (const auto& [name, depth] : pools)
    jobs += depth;
  return jobs;
}

}  // namespace anneal::graph
