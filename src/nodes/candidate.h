#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "nodes/node.h"
#include "util/error.h"

namespace anneal::nodes {

// A candidate reference inside verify, stage and decide specs:
//
//   {"commit": SHA}              a commit known when the experiment is planned (the baseline)
//   {"mutate": KEY, "slot": N}   the commit a mutate node produced, in worktree slot N
//
// Worktrees live in <anneal_dir>/worktrees/<target>/<name>, where name is "base" or "d<N>"
// (one per draft), and are registered with git as "anneal-<target>-<name>". A worktree is
// reused from one experiment to the next: moving it to another commit rewrites only the
// files that differ.

/// A resolved candidate: its commit, and the mutation that made it (if any).
struct Candidate {
  std::string commit;
  std::string worktree_name;
  std::optional<NodeResult> mutation;
};

/// Resolves a reference. A mutation that did not succeed is returned with an empty commit.
Result<Candidate> resolve_candidate(NodeContext& context, const nlohmann::json& ref);

/// Makes the worktree `name` a clean checkout of `commit`, creating it when missing.
Result<std::filesystem::path> checkout_worktree(NodeContext& context, std::string_view target,
                                                std::string_view name, std::string_view commit);

/// The folder of a candidate's worktree.
std::filesystem::path worktree_path(const NodeContext& context, std::string_view target,
                                    std::string_view name);

/// A worktree checked out at the candidate's commit: as it is when already there, else
/// reset to it (or created). Recreates the commit from its mutation's patch when the object is
/// not in the repository (a result that came from another machine's cache).
Result<std::filesystem::path> ensure_worktree(NodeContext& context, std::string_view target,
                                              const Candidate& candidate);

/// The file beside a worktree that says which commit it is completely checked out at.
/// Builds remove stale ones along with the worktrees they prune.
std::filesystem::path worktree_ready_stamp(const std::filesystem::path& worktree);

/// Makes sure the mutation's commit exists, rebuilding it from its parent, its "patch" blob
/// and its "message" blob when needed (the rebuilt commit must have the recorded id).
Result<void> ensure_commit(NodeContext& context, const NodeResult& mutation);

/// The commit message of a candidate (part of its id, so it must be deterministic).
std::string candidate_message(std::string_view target, int experiment, int draft,
                              std::string_view hypothesis);

}  // namespace anneal::nodes
