#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "util/error.h"

namespace anneal::graph {

struct NinjaOptions {
  std::filesystem::path dir;  ///< where build.ninja is
  int jobs = 0;               ///< -j; 0 = ninja's default
  int keep_going = 1;         ///< -k; 0 = never stop
  /// --fresh: nodes ask again what they would answer from the cache as they run (the
  /// judge's calls), through ANNEAL_FRESH=1 in their environment.
  bool fresh = false;
  /// More environment for the nodes (the remote cache's settings).
  std::vector<std::pair<std::string, std::string>> env;
  /// Called about every 50 ms while ninja runs (a progress display); may be empty.
  std::function<void()> while_running;
};

/// Runs `ninja` on build.ninja in `dir`. ninja dies with this process (so a killed build
/// leaves nothing running); an interrupt is passed on as SIGINT so ninja stops its edges.
/// Fails with ninja's output when an edge fails (a node that anneal could not run).
Result<void> run_ninja(const NinjaOptions& options);

}  // namespace anneal::graph
