// nodes: the carry-over — when a target's baseline moves to a new HEAD, the previous run's
// best change is re-applied there as the new run's first candidate (graph/baseline_choice.h).
#pragma once

#include <filesystem>
#include <string>

#include "git/repository.h"
#include "util/error.h"

namespace anneal::nodes {

struct CarriedChange {
  bool applied = false;
  std::string hypothesis;  ///< what the candidate is, for the ledger and its commit message
  std::string detail;      ///< why it did not apply
};

/// Writes into `worktree` (a clean checkout of `parent`) the change from commit `from` to
/// commit `to`, leaving HEAD at `parent`: the files are the candidate, as an agent leaves
/// them. A change that does not apply on `parent` leaves the worktree as it was.
Result<CarriedChange> carry_change(git::Repository& repo, const std::filesystem::path& worktree,
                                   const std::string& parent, const std::string& from, const std::string& to);

}  // namespace anneal::nodes
