#include "git/worktree.h"

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "git/handle.h"
#include "util/file.h"

// The layout written here is git's own (see gitrepository-layout(5), "worktrees/<id>"):
//   <commondir>/worktrees/<name>/gitdir     "<absolute worktree path>/.git\n"
//   <commondir>/worktrees/<name>/commondir  "../..\n"
//   <commondir>/worktrees/<name>/HEAD       "<commit id>\n"   (detached)
//   <commondir>/worktrees/<name>/index      written by the checkout
//   <worktree>/.git                         "gitdir: <absolute admin dir>\n"
// libgit2's git_worktree_add always creates a branch, which anneal must not do, so the
// files are written by hand exactly as `git worktree add --detach` writes them.

namespace anneal::git {

namespace fs = std::filesystem;

namespace {

/// An absolute, normalised form of `path` with symlinks resolved as far as it exists, so
/// paths written by git and by us compare equal.
fs::path normalized(const fs::path& path) {
  std::error_code ec;
  fs::path result = fs::weakly_canonical(fs::absolute(path), ec);
  if (ec)
    result = fs::absolute(path).lexically_normal();
  std::string text = result.string();
  while (text.size() > 1 && text.back() == '/')
    text.pop_back();
  return fs::path(text);
}

bool is_within(const fs::path& path, const fs::path& dir) {
  fs::path relative = path.lexically_relative(dir);
  return !relative.empty() && *relative.begin() != "..";
}

fs::path admin_root(const Repository& repo) { return repo.git_dir() / "worktrees"; }

/// The admin directory a worktree's `.git` file names, if it is one of this repository's.
std::optional<fs::path> admin_dir_of(const Repository& repo, const fs::path& worktree) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(worktree / ".git", ec)))
    return std::nullopt;
  auto contents = read_file_if_exists(worktree / ".git");
  if (!contents || !contents->starts_with("gitdir: "))
    return std::nullopt;
  fs::path admin = normalized(trim_line_end(contents->substr(8)));
  if (admin.parent_path() != normalized(admin_root(repo)))
    return std::nullopt;
  return admin;
}

/// The worktree folder an admin directory points back at (parent of its `gitdir`).
std::optional<fs::path> worktree_of(const fs::path& admin) {
  auto contents = read_file_if_exists(admin / "gitdir");
  if (!contents)
    return std::nullopt;
  return normalized(fs::path(trim_line_end(*contents)).parent_path());
}

Result<void> remove_tree(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec)
    return fail(fmt::format("cannot remove {}: {}", path.string(), ec.message()));
  return {};
}

/// Refuses paths whose removal would destroy the user's own checkout or repository.
/// `registered`: the folder is known to be one of anneal's worktrees, whatever its `.git` says.
Result<void> check_removable(const Repository& repo, const fs::path& path, bool registered) {
  fs::path workdir = normalized(repo.workdir());
  fs::path git_dir = normalized(repo.git_dir());
  if (path == workdir || is_within(workdir, path) || path == git_dir || is_within(path, git_dir))
    return fail(fmt::format("refusing to remove {}: it holds the repository itself",
                            path.string()));
  std::error_code ec;
  if (!registered && fs::is_directory(fs::symlink_status(path / ".git", ec)))
    return fail(fmt::format("refusing to remove {}: it is a repository, not a worktree of {}",
                            path.string(), workdir.string()));
  return {};
}

}  // namespace

Result<void> remove_worktree(Repository& repo, const fs::path& path, const fs::path& owned_dir) {
  fs::path worktree = normalized(path);
  std::set<fs::path> admins;
  if (auto admin = admin_dir_of(repo, worktree))
    admins.insert(*admin);
  // The .git file may be gone or rewritten: also find admin dirs that point back here.
  std::error_code ec;
  for (fs::directory_iterator it(admin_root(repo), ec), end; !ec && it != end; it.increment(ec)) {
    if (auto target = worktree_of(it->path()); target && *target == worktree)
      admins.insert(normalized(it->path()));
  }
  bool registered = !admins.empty() || (!owned_dir.empty() && is_within(worktree, normalized(owned_dir)));
  if (auto ok = check_removable(repo, worktree, registered); !ok)
    return ok;
  if (auto removed = remove_tree(worktree); !removed)
    return removed;
  for (const auto& admin : admins) {
    if (auto removed = remove_tree(admin); !removed)
      return removed;
  }
  return {};
}

namespace {

/// Whether the admin directory `admin` (of the worktree `target`, if it says yet) may be one
/// that another build is making now: until the worktree's `.git` is written last, it looks
/// stale. Such are another folder's beside `root` (another target's, whose build runs at
/// the same time) or without a `gitdir` yet, and changed in the last minute; their own build
/// prunes them, or any build once they are older.
bool being_made(const fs::path& admin, const std::optional<fs::path>& target, const fs::path& root) {
  if (target && (!is_within(*target, root.parent_path()) || fs::exists(*target / ".git")))
    return false;
  std::error_code ec;
  auto changed = fs::last_write_time(admin, ec);
  return !ec && fs::file_time_type::clock::now() - changed < std::chrono::minutes(1);
}

}  // namespace

Result<int> prune_worktrees(Repository& repo, const fs::path& dir) {
  fs::path root = normalized(dir);
  std::set<fs::path> doomed;
  std::error_code ec;
  // Folders under `dir` that are linked worktrees of this repository (even if their admin
  // directory is already gone).
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code dir_ec;
    if (admin_dir_of(repo, it->path()) || fs::is_directory(fs::symlink_status(it->path() / ".git", dir_ec)))
      doomed.insert(normalized(it->path()));
  }
  int stale = 0;
  for (fs::directory_iterator it(admin_root(repo), ec), end; !ec && it != end; it.increment(ec)) {
    auto target = worktree_of(it->path());
    if (target && is_within(*target, root)) {
      doomed.insert(*target);
    } else if (being_made(it->path(), target, root)) {
      continue;
    } else if (!target || !fs::exists(*target / ".git")) {
      if (auto removed = remove_tree(it->path()); !removed)
        return std::unexpected(removed.error());
      ++stale;
    }
  }
  for (const auto& worktree : doomed) {
    if (auto removed = remove_worktree(repo, worktree, root); !removed)
      return std::unexpected(removed.error());
  }
  return static_cast<int>(doomed.size()) + stale;
}

Result<void> add_worktree(Repository& repo, const fs::path& path, std::string_view name,
                          std::string_view commit) {
  ensure_libgit2();
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos)
    return fail(fmt::format("invalid worktree name '{}'", name));
  auto resolved = lookup_commit(repo.raw(), commit);
  if (!resolved)
    return std::unexpected(resolved.error());
  ObjectId commit_id = to_hex(*git_commit_id(resolved->get()));

  fs::path worktree = normalized(path);
  std::error_code ec;
  if (fs::exists(fs::symlink_status(worktree, ec))) {
    if (auto removed = remove_worktree(repo, worktree); !removed)
      return removed;
  }
  fs::path admin = admin_root(repo) / std::string(name);
  if (fs::exists(admin, ec)) {
    auto owner = worktree_of(admin);
    if (owner && fs::exists(*owner / ".git"))
      return fail(fmt::format("worktree name '{}' is already used by {}", name, owner->string()));
    if (auto removed = remove_tree(admin); !removed)
      return removed;
  }
  if (auto made = make_dirs(worktree); !made)
    return made;
  worktree = normalized(worktree);
  admin = normalized(admin);

  // Same order as git: the admin directory first, so a crash leaves a prunable stale entry.
  const std::pair<fs::path, std::string> files[] = {
      {admin / "commondir", "../..\n"},
      {admin / "HEAD", commit_id + "\n"},
      {admin / "gitdir", (worktree / ".git").string() + "\n"},
      {worktree / ".git", "gitdir: " + admin.string() + "\n"},
  };
  for (const auto& [file, contents] : files) {
    // Unsynced: a worktree is scratch space, rebuilt from its commit after a crash.
    if (auto written = write_file_atomic(file, contents, Durability::Unsynced); !written)
      return written;
  }

  git_repository* raw = nullptr;
  if (git_repository_open(&raw, worktree.c_str()) != 0)
    return git_failure(fmt::format("cannot open the new worktree {}", worktree.string()));
  RepositoryHandle linked(raw);
  auto target = lookup_commit(raw, commit_id);
  if (!target)
    return std::unexpected(target.error());
  git_checkout_options options = GIT_CHECKOUT_OPTIONS_INIT;
  options.checkout_strategy = GIT_CHECKOUT_FORCE;
  // Checking out the tree also writes the worktree's own index (admin/index).
  if (git_checkout_tree(raw, reinterpret_cast<const git_object*>(target->get()), &options) != 0)
    return git_failure(fmt::format("cannot check out {} into {}", commit_id, worktree.string()));
  return {};
}

}  // namespace anneal::git
