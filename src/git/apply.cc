#include "git/apply.h"

#include <git2.h>

#include <memory>

#include <fmt/format.h>

namespace anneal::git {

namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, Deleter<T, Free>>;

Result<git_oid> parse_oid(std::string_view id) {
  git_oid oid;
  std::string text(id);
  if (git_oid_fromstr(&oid, text.c_str()) != 0)
    return fail(fmt::format("'{}' is not an object id", text));
  return oid;
}

/// Checks out `tree_id` over the user's working tree (safely: a modified file stops it) and
/// points the current branch (or detached HEAD) at `commit_id`.
Result<void> move_head(Repository& repo, const git_oid& commit_id, std::string_view log) {
  git_repository* r = repo.raw();
  git_commit* commit_raw = nullptr;
  if (git_commit_lookup(&commit_raw, r, &commit_id) != 0)
    return fail(fmt::format("cannot read the commit to apply: {}", last_git_error()));
  Owned<git_commit, git_commit_free> commit(commit_raw);
  git_checkout_options opts = GIT_CHECKOUT_OPTIONS_INIT;
  opts.checkout_strategy = GIT_CHECKOUT_SAFE;
  if (git_checkout_tree(r, reinterpret_cast<git_object*>(commit.get()), &opts) != 0)
    return fail(fmt::format("cannot update your working tree: {}", last_git_error()));
  std::string message(log);
  if (git_repository_head_detached(r) == 1) {
    if (git_repository_set_head_detached(r, &commit_id) != 0)
      return fail(fmt::format("cannot move HEAD: {}", last_git_error()));
    return {};
  }
  git_reference* head_raw = nullptr;
  if (git_repository_head(&head_raw, r) != 0)
    return fail(fmt::format("cannot read HEAD: {}", last_git_error()));
  Owned<git_reference, git_reference_free> head(head_raw);
  git_reference* moved_raw = nullptr;
  if (git_reference_set_target(&moved_raw, head.get(), &commit_id, message.c_str()) != 0)
    return fail(fmt::format("cannot move {}: {}", git_reference_name(head.get()), last_git_error()));
  git_reference_free(moved_raw);
  return {};
}

}  // namespace

Result<Applied> bring_into_head(Repository& repo, std::string_view base, std::string_view commit,
                                std::string_view message) {
  if (repo.has_uncommitted_changes())
    return fail("your working tree has uncommitted changes to tracked files; commit or stash them first");
  auto head = repo.head_commit();
  if (!head)
    return std::unexpected(head.error());
  auto head_oid = parse_oid(*head);
  auto commit_oid = parse_oid(commit);
  if (!head_oid || !commit_oid)
    return fail("bad commit id");
  git_repository* r = repo.raw();
  Applied applied;
  if (*head == commit || git_graph_descendant_of(r, &*head_oid, &*commit_oid) == 1)
    return fail("HEAD already contains this candidate");
  if (git_graph_descendant_of(r, &*commit_oid, &*head_oid) == 1) {
    if (auto moved = move_head(repo, *commit_oid, "anneal apply: fast-forward"); !moved)
      return std::unexpected(moved.error());
    applied.fast_forward = true;
    applied.commit = std::string(commit);
    return applied;
  }
  auto patch = repo.diff_patch(base, commit);
  if (!patch)
    return std::unexpected(patch.error());
  auto tree = repo.apply_patch(*head, *patch);
  if (!tree)
    return fail(fmt::format("the candidate does not apply to your HEAD: {}", tree.error().message));
  git_signature* sig_raw = nullptr;
  if (git_signature_default(&sig_raw, r) != 0)
    return fail("set git's user.name and user.email to commit the applied candidate");
  Owned<git_signature, git_signature_free> sig(sig_raw);
  auto tree_oid = parse_oid(*tree);
  git_tree* tree_raw = nullptr;
  git_commit* parent_raw = nullptr;
  if (!tree_oid || git_tree_lookup(&tree_raw, r, &*tree_oid) != 0 || git_commit_lookup(&parent_raw, r, &*head_oid) != 0)
    return fail(fmt::format("cannot read the applied tree: {}", last_git_error()));
  Owned<git_tree, git_tree_free> tree_obj(tree_raw);
  Owned<git_commit, git_commit_free> parent(parent_raw);
  const git_commit* parents[] = {parent.get()};
  git_oid new_oid;
  std::string text(message);
  if (git_commit_create(&new_oid, r, nullptr, sig.get(), sig.get(), nullptr, text.c_str(), tree_obj.get(), 1,
                        parents) != 0)
    return fail(fmt::format("cannot commit the applied candidate: {}", last_git_error()));
  if (auto moved = move_head(repo, new_oid, "anneal apply"); !moved)
    return std::unexpected(moved.error());
  applied.commit = git_oid_tostr_s(&new_oid);
  return applied;
}

}  // namespace anneal::git
