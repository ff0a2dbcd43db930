#include "nodes/carry_over.h"

#include <fmt/format.h>

#include "git/worktree_head.h"

namespace anneal::nodes {

Result<CarriedChange> carry_change(git::Repository& repo, const std::filesystem::path& worktree,
                                   const std::string& parent, const std::string& from, const std::string& to) {
  CarriedChange out;
  std::string what = fmt::format("the previous run's best change ({} over {})", to.substr(0, 12), from.substr(0, 12));
  auto patch = repo.diff_patch(from, to);
  if (!patch)
    return std::unexpected(patch.error());
  auto tree = repo.apply_patch(parent, *patch);
  if (!tree) {
    out.detail = fmt::format("{} does not apply on the new baseline {}: {}", what, parent.substr(0, 12),
                             tree.error().message);
    return out;
  }
  // Through a commit of the patched tree, so the worktree's files become it; HEAD then goes
  // back to the parent, and the candidate is committed like any agent's change.
  auto time = repo.commit_time(parent);
  if (!time)
    return std::unexpected(time.error());
  auto patched = repo.commit_tree(*tree, parent, "anneal: carry-over", *time);
  if (!patched)
    return std::unexpected(patched.error());
  if (auto reset = git::reset_worktree(worktree, *patched); !reset)
    return std::unexpected(reset.error());
  if (auto moved = git::move_worktree_head(worktree, parent); !moved)
    return std::unexpected(moved.error());
  out.applied = true;
  out.hypothesis = fmt::format("carried over: {}, re-applied on the new baseline {}", what, parent.substr(0, 12));
  return out;
}

}  // namespace anneal::nodes
