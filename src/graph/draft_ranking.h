// The Bayesian surrogate of `search.surrogate`: with several drafts per experiment, a
// Gaussian process over past candidates' features ranks the drafts by expected improvement,
// so the most promising is evaluated first and the others only if it fails.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "git/repository.h"
#include "graph/annealfile.h"
#include "graph/search_memory.h"
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

}  // namespace anneal::graph
