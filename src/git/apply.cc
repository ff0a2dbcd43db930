#include "git/apply.h"

#include <fmt/format.h>

#include "git/handle.h"

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

}  // namespace

Result<Applied> bring_into_head(Repository& repo, std::string_view base, std::string_view commit,
                                std::string_view message) {
  if (repo.has_uncommitted_changes())
    return fail("your working tree has uncommitted changes to tracked files; commit or stash them first");
  git_repository* r = repo.raw();
  auto head = lookup_commit(r, "HEAD");
  if (!head)
    return std::unexpected(head.error());
  auto candidate = lookup_commit(r, commit);
  if (!candidate)
    return std::unexpected(candidate.error());
  const git_oid* head_id = git_commit_id(head->get());
  const git_oid* candidate_id = git_commit_id(candidate->get());
  if (git_oid_equal(head_id, candidate_id) || git_graph_descendant_of(r, head_id, candidate_id) == 1)
    return fail("HEAD already contains this candidate");

  Applied applied;
  if (git_graph_descendant_of(r, candidate_id, head_id) == 1) {
    if (auto moved = move_head(repo, *candidate, "anneal apply: fast-forward"); !moved)
      return std::unexpected(moved.error());
    applied.fast_forward = true;
    applied.commit = to_hex(*candidate_id);
    return applied;
  }
  // HEAD moved on since the baseline: apply the candidate's change on top of it.
  auto patch = repo.diff_patch(base, commit);
  if (!patch)
    return std::unexpected(patch.error());
  auto tree_id = repo.apply_patch(to_hex(*head_id), *patch);
  if (!tree_id)
    return fail(fmt::format("the candidate does not apply to your HEAD: {}", tree_id.error().message));
  git_signature* sig_raw = nullptr;
  if (git_signature_default(&sig_raw, r) != 0)
    return fail("set git's user.name and user.email to commit the applied candidate");
  SignatureHandle sig(sig_raw);
  git_oid tree_oid;
  git_tree* tree_raw = nullptr;
  if (git_oid_fromstr(&tree_oid, tree_id->c_str()) != 0 || git_tree_lookup(&tree_raw, r, &tree_oid) != 0)
    return git_failure("cannot read the applied tree");
  TreeHandle tree(tree_raw);
  const git_commit* parents[] = {head->get()};
  git_oid new_id;
  std::string text(message);
  if (git_commit_create(&new_id, r, nullptr, sig.get(), sig.get(), nullptr, text.c_str(), tree.get(), 1, parents) != 0)
    return git_failure("cannot commit the applied candidate");
  auto created = lookup_commit(r, to_hex(new_id));
  if (!created)
    return std::unexpected(created.error());
  if (auto moved = move_head(repo, *created, "anneal apply"); !moved)
    return std::unexpected(moved.error());
  applied.commit = to_hex(new_id);
  return applied;
}

}  // namespace anneal::git
