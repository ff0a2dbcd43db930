#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/digest.h"
#include "cli/project.h"
#include "util/error.h"

namespace anneal::cli {

// How `anneal show`, `explain` and `repro` find what a HASH on the command line names.

/// A ledger record of the current generation of one of the Annealfile's targets.
struct FoundRecord {
  std::string target;
  nlohmann::json record;
};

/// The experiments whose key (decide node) or candidate commit starts with `prefix`; or, for
/// `TARGET#N` (or `#N` when the Annealfile has one target), that target's experiment N of
/// its current run (its latest attempt) — an error when there is none.
Result<std::vector<FoundRecord>> find_records(Project& project, const std::string& prefix);

/// The one experiment `name` (TARGET#N, #N, a key or commit prefix) names; none or several fail.
Result<FoundRecord> find_experiment(Project& project, const std::string& name);

/// Node keys whose stored spec starts with `prefix` (at least two hex digits).
std::vector<cache::Digest> find_nodes(Project& project, const std::string& prefix);

}  // namespace anneal::cli
