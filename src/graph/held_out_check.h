// graph: what a held-out judgement says — how far the judge's score on the samples the agent
// sees has drifted from its score on those it never sees, and whether that pauses the build.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "graph/experiment_plan.h"

namespace anneal::graph {

struct HeldOutVerdict {
  nlohmann::json check;  ///< the ledger record's "held_out": score, samples_score, gap, divergence…
  std::string warning;   ///< a note for the user, or ""
  std::string pause;     ///< why the build stops here, or ""
};

/// The verdict after experiment `id` of `target` whose held-out score is `held_out` and whose
/// score on the samples is `on_samples`. At the baseline it records the starting gap in
/// `position`; later, the gap's growth since then (over 0.10 a warning, over 0.25 a pause)
/// and restarts the count of kept candidates between checks.
HeldOutVerdict held_out_verdict(const std::string& target, int id, double held_out, double on_samples,
                                SearchPosition& position);

}  // namespace anneal::graph
