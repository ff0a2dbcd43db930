// git: the user's repository through libgit2 — candidate commits, refs, worktrees, patches
// and scope checks. The user's checkout and index are never modified, except by apply.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.h"

struct git_repository;

namespace anneal::git {

/// Commit, tree and blob ids are 40-character lowercase hex strings.
using ObjectId = std::string;

/// An open repository. libgit2 is initialised once per process on first use.
class Repository {
 public:
  /// Opens the repository containing `start` (searching upwards). Fails with
  /// "not a git repository (or any parent): DIR" otherwise; bare repositories are refused.
  static Result<Repository> open(const std::filesystem::path& start);

  Repository(Repository&&) noexcept;
  Repository& operator=(Repository&&) noexcept;
  ~Repository();

  /// The top of the working tree, absolute, without trailing slash.
  const std::filesystem::path& workdir() const { return m_workdir; }
  /// The common git directory (…/.git), absolute.
  const std::filesystem::path& git_dir() const { return m_git_dir; }

  /// The commit HEAD points at; fails with a clear message on an unborn branch.
  Result<ObjectId> head_commit() const;
  /// True when tracked files differ from HEAD in the index or the working tree.
  bool has_uncommitted_changes() const;

  /// The commit a reference (full name, e.g. "refs/heads/anneal/t") points at, or nullopt.
  Result<std::optional<ObjectId>> resolve_ref(std::string_view refname) const;
  /// Creates or moves a direct reference to `commit` (nothing is written when it already
  /// points there).
  Result<void> set_ref(std::string_view refname, std::string_view commit, std::string_view log_message);
  /// Removes every reference whose name starts with `prefix` (e.g. "refs/anneal/t/").
  Result<int> delete_refs(std::string_view prefix);

  bool has_object(std::string_view id) const;
  Result<ObjectId> tree_of(std::string_view commit) const;
  /// Committer time (seconds since the epoch) of a commit.
  Result<int64_t> commit_time(std::string_view commit) const;
  /// A file's bytes at `path` in `commit`; nullopt when absent.
  Result<std::optional<std::string>> read_file_at(std::string_view commit, std::string_view path) const;

  /// Writes a commit of `tree` with one parent. Author and committer are
  /// "anneal <anneal@localhost>" at `time` (+0000), so the same inputs give the same commit
  /// id on every machine.
  Result<ObjectId> commit_tree(std::string_view tree, std::string_view parent,
                               std::string_view message, int64_t time);

  /// The change from commit `from` to commit `to` as a git patch (binary-safe).
  Result<std::string> diff_patch(std::string_view from, std::string_view to) const;
  /// Applies a patch made by diff_patch to `base`'s tree and writes the result; returns the
  /// new tree id. Fails with the reason when the patch does not apply.
  Result<ObjectId> apply_patch(std::string_view base, std::string_view patch);

  git_repository* raw() const { return m_repo; }

 private:
  Repository() = default;
  git_repository* m_repo = nullptr;
  std::filesystem::path m_workdir;
  std::filesystem::path m_git_dir;
  bool m_ident_set = false;  ///< the reflog identity is read from the configuration once
};

/// The message of the last libgit2 error, for wrapping into an Error.
std::string last_git_error();

}  // namespace anneal::git
