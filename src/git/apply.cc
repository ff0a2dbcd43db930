#include "git/apply.h"

#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "git/handle.h"
#include "git/tree_diff.h"

namespace anneal::git {

namespace {

/// Checks out `commit` over the user's working tree (safely: a locally modified file stops
/// it) and points the current branch, or a detached HEAD, at it.
Result<void> move_head(Repository& repo, const CommitHandle& commit, std::string_view log) {
  git_repository* r = repo.raw();
  git_checkout_options opts = GIT_CHECKOUT_OPTIONS_INIT;
  opts.checkout_strategy = GIT_CHECKOUT_SAFE;
  if (git_checkout_tree(r, reinterpret_cast<const git_object*>(commit.get()), &opts) != 0)
    return git_failure("cannot update your working tree");
  const git_oid* id = git_commit_id(commit.get());
  if (git_repository_head_detached(r) == 1) {
    if (git_repository_set_head_detached(r, id) != 0)
      return git_failure("cannot move HEAD");
    return {};
  }
  git_reference* raw = nullptr;
  if (git_repository_head(&raw, r) != 0)
    return git_failure("cannot read HEAD");
  ReferenceHandle head(raw);
  git_reference* moved = nullptr;
  std::string message(log);
  if (git_reference_set_target(&moved, head.get(), id, message.c_str()) != 0)
    return git_failure(fmt::format("cannot move {}", git_reference_name(head.get())));
  ReferenceHandle owned(moved);
  return {};
}

/// Refuses when a path that moving HEAD to `to` would write has uncommitted changes (or an
/// untracked file where a file would be created).
Result<void> refuse_dirty_paths(Repository& repo, std::string_view to) {
  auto paths = changed_paths(repo, "HEAD", to);
  if (!paths)
    return std::unexpected(paths.error());
  std::vector<std::string> dirty;
  for (const auto& path : *paths) {
    unsigned int flags = 0;
    if (git_status_file(&flags, repo.raw(), path.c_str()) == 0 && flags != GIT_STATUS_CURRENT &&
        (flags & GIT_STATUS_IGNORED) == 0)
      dirty.push_back(path);
  }
  if (dirty.empty())
    return {};
  return fail(fmt::format("your checkout has uncommitted changes to {}, which apply would write; commit or stash "
                          "them first",
                          fmt::join(dirty, ", ")));
}

/// A commit of `tree` on top of HEAD in the user's name.
Result<CommitHandle> commit_on_head(Repository& repo, const CommitHandle& head, std::string_view tree_id,
                                    std::string_view message) {
  git_repository* r = repo.raw();
  git_signature* sig_raw = nullptr;
  if (git_signature_default(&sig_raw, r) != 0)
    return fail("set git's user.name and user.email to commit the applied candidate");
  SignatureHandle sig(sig_raw);
  auto tree = lookup_tree(r, tree_id);
  if (!tree)
    return std::unexpected(tree.error());
  const git_commit* parents[] = {head.get()};
  git_oid new_id;
  std::string text(message);
  if (git_commit_create(&new_id, r, nullptr, sig.get(), sig.get(), nullptr, text.c_str(), tree->get(), 1, parents) != 0)
    return git_failure("cannot commit the applied candidate");
  return lookup_commit(r, to_hex(new_id));
}

}  // namespace

Result<Applied> bring_into_head(Repository& repo, std::string_view base, std::string_view commit,
                                std::string_view message, ApplyMode mode) {
  git_repository* r = repo.raw();
  auto head = lookup_commit(r, "HEAD");
  if (!head)
    return std::unexpected(head.error());
  auto candidate = lookup_commit(r, commit);
  if (!candidate)
    return std::unexpected(candidate.error());
  const git_oid* head_id = git_commit_id(head->get());
  const git_oid* candidate_id = git_commit_id(candidate->get());
  if (git_oid_equal(head_id, candidate_id) || git_graph_descendant_of(r, head_id, candidate_id) == 1 ||
      git_oid_equal(git_commit_tree_id(head->get()), git_commit_tree_id(candidate->get())))
    return fail("HEAD already contains this candidate");

  Applied applied;
  if (mode == ApplyMode::KeepHistory) {
    if (git_graph_descendant_of(r, candidate_id, head_id) != 1)
      return fail("HEAD moved on since the target's baseline, so its candidates cannot be fast-forwarded onto it; "
                  "apply without --keep-history for one commit on top of HEAD");
    if (auto clean = refuse_dirty_paths(repo, commit); !clean)
      return std::unexpected(clean.error());
    if (auto moved = move_head(repo, *candidate, "anneal apply --keep-history: fast-forward"); !moved)
      return std::unexpected(moved.error());
    applied.fast_forward = true;
    applied.commit = to_hex(*candidate_id);
    return applied;
  }
  // The change from the baseline to the candidate, on top of HEAD (which may have moved on).
  auto base_commit = lookup_commit(r, base);
  if (!base_commit)
    return std::unexpected(base_commit.error());
  std::string tree_id;
  if (git_oid_equal(head_id, git_commit_id(base_commit->get()))) {
    tree_id = to_hex(*git_commit_tree_id(candidate->get()));
  } else {
    auto patch = repo.diff_patch(base, commit);
    if (!patch)
      return std::unexpected(patch.error());
    auto patched = repo.apply_patch(to_hex(*head_id), *patch);
    if (!patched)
      return fail(fmt::format("the candidate does not apply to your HEAD: {}", patched.error().message));
    tree_id = *patched;
  }
  auto created = commit_on_head(repo, *head, tree_id, message);
  if (!created)
    return std::unexpected(created.error());
  std::string created_id = to_hex(*git_commit_id(created->get()));
  if (auto clean = refuse_dirty_paths(repo, created_id); !clean)
    return std::unexpected(clean.error());
  if (auto moved = move_head(repo, *created, "anneal apply"); !moved)
    return std::unexpected(moved.error());
  applied.commit = created_id;
  return applied;
}

}  // namespace anneal::git
