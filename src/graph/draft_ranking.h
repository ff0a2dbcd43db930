// The Bayesian surrogate of `search.surrogate`: with several drafts per experiment, a
// Gaussian process over past candidates' features ranks the drafts by expected improvement,
// so the most promising is evaluated first and the others only if it fails.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "git/repository.h"
#include "graph/annealfile.h"
#include "graph/experiment_plan.h"
#include "graph/search_memory.h"
#include "nodes/node.h"
#include "util/error.h"

namespace anneal::graph {

/// What the surrogate knows of a candidate: for the tune agent each parameter scaled to
/// [0, 1] by its bounds; for other agents the size of its change from its parent (lines
/// added and removed, on a log scale) and the files it touched.
Result<std::vector<double>> candidate_features(const git::Repository& repo, const Target& target,
                                               const std::string& parent, const std::string& commit);

struct DraftRanking {
  std::vector<size_t> order;  ///< drafts, most promising first
  std::vector<double> expected_improvement;  ///< per draft (in draft order)
};

/// Ranks drafts with these features against the memory's past candidates. With fewer than
/// two past candidates (or features of another length) the drafts keep their order.
DraftRanking rank_drafts(const SearchMemory& memory, const std::vector<std::vector<double>>& features);

/// What evaluate_ranked did: each draft's features (empty where the mutation failed) and the
/// ledger's "surrogate" record {"order", "expected_improvement", "evaluated"}.
struct RankedEvaluation {
  std::vector<std::vector<double>> features;
  nlohmann::json record;
};

/// Runs (with `run`, through ninja) every draft's mutation, ranks the drafts, then evaluates
/// them in that order until one passes its gates and stages; rewrites `plan.decide` to weigh
/// only the drafts evaluated.
Result<RankedEvaluation> evaluate_ranked(ExperimentPlan& plan, const Target& target, const SearchMemory& memory,
                                         git::Repository& repo, nodes::NodeContext& context,
                                         const std::function<Result<void>(const std::vector<PlannedNode>&)>& run);

}  // namespace anneal::graph
