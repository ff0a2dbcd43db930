// What `anneal status` says about a search strategy's state: the Pareto front, the
// population's islands, the tree, the archive, auto's arms.
#pragma once

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/ledger.h"
#include "util/error.h"

namespace anneal::cli {

/// The strategy's state after the ledger's current generation, rebuilt as the build does;
/// null for greedy and annealing with a single objective (nothing beyond the best to show).
/// With a list objective: "front": [{"id", "commit", "values": [per objective]}].
Result<nlohmann::json> search_status(const graph::Target& target, const graph::Ledger& ledger);

/// The status lines for search_status's result.
void print_search_status(const graph::Target& target, const nlohmann::json& status);

}  // namespace anneal::cli
