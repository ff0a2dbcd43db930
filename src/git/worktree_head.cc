#include "git/worktree_head.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "git/handle.h"
#include "util/file.h"

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
  // Read the two small files git itself reads (`.git` → admin dir → HEAD): a gate or stage
  // asks this once per run, and opening the repository with libgit2 costs far more.
  auto link = read_file_if_exists(worktree / ".git");
  constexpr std::string_view k_prefix = "gitdir: ";
  if (!link || !link->starts_with(k_prefix))
    return std::nullopt;
  std::string admin = link->substr(k_prefix.size());
  while (!admin.empty() && (admin.back() == '\n' || admin.back() == '\r'))
    admin.pop_back();
  auto head = read_file_if_exists(std::filesystem::path(admin) / "HEAD");
  if (!head || head->size() < 40)
    return std::nullopt;
  std::string id = head->substr(0, 40);
  bool detached = std::all_of(id.begin(), id.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  if (detached)
    return id;
  // A symbolic HEAD (someone checked out a branch there): let libgit2 resolve it.
  auto repo = open_exact(worktree);
  if (!repo)
    return std::nullopt;
  git_reference* raw = nullptr;
  if (git_repository_head(&raw, repo.get()) != 0)
    return std::nullopt;
  ReferenceHandle resolved(raw);
  const git_oid* oid = git_reference_target(resolved.get());
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
