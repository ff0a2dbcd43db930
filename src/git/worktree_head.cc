#include "git/worktree_head.h"

#include <git2.h>

#include <fmt/format.h>

#include "git/handle.h"

namespace anneal::git {

namespace {

struct RepoCloser {
  void operator()(git_repository* r) const { git_repository_free(r); }
};
struct ObjectCloser {
  void operator()(git_object* o) const { git_object_free(o); }
};
struct RefCloser {
  void operator()(git_reference* r) const { git_reference_free(r); }
};

std::unique_ptr<git_repository, RepoCloser> open_exact(const std::filesystem::path& worktree) {
  ensure_libgit2();
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, worktree.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0)
    return nullptr;
  return std::unique_ptr<git_repository, RepoCloser>(raw);
}

}  // namespace

std::optional<ObjectId> worktree_head(const std::filesystem::path& worktree) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(worktree / ".git", ec))
    return std::nullopt;
  auto repo = open_exact(worktree);
  if (!repo)
    return std::nullopt;
  git_reference* head = nullptr;
  if (git_repository_head(&head, repo.get()) != 0)
    return std::nullopt;
  std::unique_ptr<git_reference, RefCloser> owned(head);
  const git_oid* oid = git_reference_target(head);
  if (!oid)
    return std::nullopt;
  return ObjectId(git_oid_tostr_s(oid));
}

namespace {

Result<std::unique_ptr<git_object, ObjectCloser>> lookup(git_repository* repo, std::string_view commit) {
  git_oid oid;
  std::string id(commit);
  if (git_oid_fromstr(&oid, id.c_str()) != 0)
    return fail(fmt::format("'{}' is not a commit id", id));
  git_object* target = nullptr;
  if (git_object_lookup(&target, repo, &oid, GIT_OBJECT_COMMIT) != 0)
    return fail(fmt::format("commit {} not found: {}", id, last_git_error()));
  return std::unique_ptr<git_object, ObjectCloser>(target);
}

}  // namespace

Result<void> reset_worktree(const std::filesystem::path& worktree, std::string_view commit) {
  auto repo = open_exact(worktree);
  if (!repo)
    return fail(fmt::format("cannot open worktree {}: {}", worktree.string(), last_git_error()));
  auto target = lookup(repo.get(), commit);
  if (!target)
    return std::unexpected(target.error());
  // Not git_reset: for a hard reset it replaces the checkout strategy with a plain FORCE,
  // which keeps untracked files.
  git_checkout_options checkout = GIT_CHECKOUT_OPTIONS_INIT;
  checkout.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED | GIT_CHECKOUT_REMOVE_IGNORED;
  if (git_checkout_tree(repo.get(), target->get(), &checkout) != 0 ||
      git_repository_set_head_detached(repo.get(), git_object_id(target->get())) != 0)
    return fail(fmt::format("cannot reset worktree {} to {}: {}", worktree.string(), commit, last_git_error()));
  return {};
}

Result<void> move_worktree_head(const std::filesystem::path& worktree, std::string_view commit) {
  auto repo = open_exact(worktree);
  if (!repo)
    return fail(fmt::format("cannot open worktree {}: {}", worktree.string(), last_git_error()));
  auto target = lookup(repo.get(), commit);
  if (!target)
    return std::unexpected(target.error());
  if (git_reset(repo.get(), target->get(), GIT_RESET_MIXED, nullptr) != 0)
    return fail(fmt::format("cannot move worktree {} to {}: {}", worktree.string(), commit,
                            last_git_error()));
  return {};
}

}  // namespace anneal::git
