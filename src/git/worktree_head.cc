#include "git/worktree_head.h"

#include <fmt/format.h>

#include "git/handle.h"

namespace anneal::git {

namespace {

/// Opens exactly the worktree at `worktree` (no search upwards), or null.
RepositoryHandle open_exact(const std::filesystem::path& worktree) {
  ensure_libgit2();
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, worktree.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0)
    return nullptr;
  return RepositoryHandle(raw);
}

/// The worktree and the commit an operation on it needs.
struct Opened {
  RepositoryHandle repo;
  CommitHandle commit;
};

Result<Opened> open_at(const std::filesystem::path& worktree, std::string_view commit) {
  Opened opened{open_exact(worktree), nullptr};
  if (!opened.repo)
    return git_failure(fmt::format("cannot open worktree {}", worktree.string()));
  auto found = lookup_commit(opened.repo.get(), commit);
  if (!found)
    return std::unexpected(found.error());
  opened.commit = std::move(*found);
  return opened;
}

git_object* as_object(const CommitHandle& commit) { return reinterpret_cast<git_object*>(commit.get()); }

}  // namespace

std::optional<ObjectId> worktree_head(const std::filesystem::path& worktree) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(worktree / ".git", ec))
    return std::nullopt;
  auto repo = open_exact(worktree);
  if (!repo)
    return std::nullopt;
  git_reference* raw = nullptr;
  if (git_repository_head(&raw, repo.get()) != 0)
    return std::nullopt;
  ReferenceHandle head(raw);
  const git_oid* oid = git_reference_target(head.get());
  if (!oid)
    return std::nullopt;
  return to_hex(*oid);
}

Result<void> reset_worktree(const std::filesystem::path& worktree, std::string_view commit) {
  auto opened = open_at(worktree, commit);
  if (!opened)
    return std::unexpected(opened.error());
  // Not git_reset: for a hard reset it replaces the checkout strategy with a plain FORCE,
  // which keeps untracked files.
  git_checkout_options checkout = GIT_CHECKOUT_OPTIONS_INIT;
  checkout.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED | GIT_CHECKOUT_REMOVE_IGNORED;
  if (git_checkout_tree(opened->repo.get(), as_object(opened->commit), &checkout) != 0 ||
      git_repository_set_head_detached(opened->repo.get(), git_commit_id(opened->commit.get())) != 0)
    return git_failure(fmt::format("cannot reset worktree {} to {}", worktree.string(), commit));
  return {};
}

Result<void> move_worktree_head(const std::filesystem::path& worktree, std::string_view commit) {
  auto opened = open_at(worktree, commit);
  if (!opened)
    return std::unexpected(opened.error());
  if (git_reset(opened->repo.get(), as_object(opened->commit), GIT_RESET_MIXED, nullptr) != 0)
    return git_failure(fmt::format("cannot move worktree {} to {}", worktree.string(), commit));
  return {};
}

}  // namespace anneal::git
