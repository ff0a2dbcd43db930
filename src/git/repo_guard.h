// git: the guard around an agent's run — what git obeys or runs outside the candidate's
// worktree, fingerprinted before the agent and put back after it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "git/checkout_fingerprint.h"
#include "util/error.h"
#include "util/file_snapshot.h"

namespace anneal::git {

/// One path outside the worktree that the agent changed (or the worktree's own `.git`).
struct Breach {
  std::string path;    ///< relative to the user's checkout when inside it (".git/config")
  std::string reason;  ///< what happened and what the guard did ("added; removed")
};

/// Where the guard looks, derived from the user's checkout, the repository's common
/// directory and the candidate's worktree:
///
///   common dir   config, config.worktree, commondir, shallow, hooks/, info/, branches/,
///                remotes/, objects/info/alternates and http-alternates, packed-refs and
///                refs/ (outside refs/anneal/ and refs/heads/anneal/, which anneal writes)
///   user gitdir  HEAD, index, MERGE_HEAD, CHERRY_PICK_HEAD, REVERT_HEAD, rebase-merge/,
///                rebase-apply/, sequencer/ (and config.worktree, commondir, gitdir when the
///                user's checkout is itself a linked worktree)
///   own gitdir   config.worktree, commondir, gitdir, info/ — not HEAD, index or logs: those
///                are the agent's own (a commit in its worktree is legitimate)
///   other        the user's other linked worktrees (worktrees/* not named anneal-*): HEAD,
///   worktrees    config.worktree, commondir, gitdir, info/ — also a new one registered;
///                anneal's other candidates' (anneal-*): config.worktree, info/
///   worktree     its `.git` file, which must still name its own gitdir
///   checkout     the user's files, as `git status` sees them (git/checkout_fingerprint.h),
///                except the folders in `skip` (anneal's .anneal/, where the worktree lives)
///
/// Refs are compared by what they point at (a `git pack-refs` moves nothing), the index by
/// its entries: a `git status` refreshing stat data is no breach, though the index's bytes
/// are put back all the same (its extensions may name other files: a split index's).
class RepoGuard {
 public:
  /// What the guard watches: everything above, or only the worktree's `.git` (an agent the
  /// sandbox keeps from writing anything else).
  enum class Reach { Everything, WorktreeOnly };

  /// Fingerprints (and keeps the bytes of) what `reach` says. Call before the agent runs.
  static Result<RepoGuard> take(const std::filesystem::path& workdir, const std::filesystem::path& common_dir,
                                const std::filesystem::path& worktree,
                                const std::vector<std::filesystem::path>& skip, Reach reach = Reach::Everything);

  /// After the agent: every change, each put back as it was (the worktree's `.git` is not:
  /// see worktree_replaced), git's files first, then the checkout's, whose changed versions
  /// are moved into `aside`. Empty when nothing changed. Fails when a path cannot be put back.
  Result<std::vector<Breach>> restore(const std::filesystem::path& aside);

  /// Whether the last restore() found the worktree's `.git` replaced or removed: the
  /// worktree must be rebuilt, not reused.
  bool worktree_replaced() const { return m_worktree_replaced; }

 private:
  RepoGuard() = default;
  FileTree snapshot() const;
  std::string display(const std::filesystem::path& path) const;

  std::filesystem::path m_workdir;
  std::filesystem::path m_common;
  std::filesystem::path m_user_gitdir;
  std::filesystem::path m_own_gitdir;
  std::filesystem::path m_worktree;
  FileTree m_before;
  std::string m_index_entries;  ///< the user's index as "mode id stage path" lines
  std::optional<FileNode> m_worktree_link;
  std::optional<CheckoutFingerprint> m_checkout;
  bool m_worktree_replaced = false;
  Reach m_reach = Reach::Everything;
};

}  // namespace anneal::git
