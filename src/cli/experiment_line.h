// The line `anneal build` prints for each finished experiment.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"

namespace anneal::cli {

struct ExperimentLine {
  std::string killed;  ///< how the failing node's command was killed (graph::signal_failure), or ""
  std::string show;    ///< `anneal show KEY` of the failing node's log, or "": ends the line
  bool color = false;  ///< the outcome in colour
};

/// "[3/50] latency #3 kept 41.2  (best 41.2, 12.3s)  hypothesis" for the ledger record `r`
/// of `target` with `budget` experiments, ending "  log: anneal show KEY" when `line.show`.
std::string experiment_line(const graph::Target& target, const nlohmann::json& r, int budget,
                            const ExperimentLine& line);

}  // namespace anneal::cli
