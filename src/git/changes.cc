#include "git/changes.h"

#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "git/handle.h"
#include "util/file.h"

namespace anneal::git {

namespace fs = std::filesystem;

namespace {

std::string strip_trailing_slashes(std::string text) {
  while (text.size() > 1 && (text.back() == '/' || text.back() == '\n'))
    text.pop_back();
  return text;
}

fs::path absolute_dir(const fs::path& path) {
  std::error_code ec;
  fs::path result = fs::weakly_canonical(fs::absolute(path), ec);
  if (ec)
    result = fs::absolute(path).lexically_normal();
  return fs::path(strip_trailing_slashes(result.string()));
}

/// A worktree's repository, and the change to its `.git` file when that file no longer
/// says what add_worktree wrote.
struct OpenedWorktree {
  RepositoryHandle repo;  ///< null when the repository could not be found at all
  std::optional<Change> git_file_change;
};

/// The admin directory the `.git` file of `top` names, when it is intact: a regular file
/// "gitdir: DIR\n" where DIR is a worktrees/<name> directory whose `gitdir` points back.
std::optional<fs::path> intact_admin_dir(const fs::path& top) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(top / ".git", ec)))
    return std::nullopt;
  auto contents = read_file_if_exists(top / ".git");
  if (!contents || !contents->starts_with("gitdir: ") || !contents->ends_with("\n"))
    return std::nullopt;
  fs::path admin = contents->substr(8, contents->size() - 9);
  if (!admin.is_absolute() || admin.parent_path().filename() != "worktrees")
    return std::nullopt;
  auto back = read_file_if_exists(admin / "gitdir");
  if (!back || *back != (top / ".git").string() + "\n")
    return std::nullopt;
  return admin;
}

/// Finds the admin directory of `top` without trusting its `.git` file: the repository
/// that contains the worktree's folder lists it under worktrees/*/gitdir.
std::optional<fs::path> find_admin_dir(const fs::path& top) {
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, top.parent_path().c_str(), 0, nullptr) != 0)
    return std::nullopt;
  RepositoryHandle main_repo(raw);
  fs::path root = fs::path(strip_trailing_slashes(git_repository_commondir(raw))) / "worktrees";
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    auto back = read_file_if_exists(it->path() / "gitdir");
    if (back && *back == (top / ".git").string() + "\n")
      return it->path();
  }
  return std::nullopt;
}

Result<OpenedWorktree> open_worktree(const fs::path& top) {
  ensure_libgit2();
  OpenedWorktree opened;
  std::optional<fs::path> admin = intact_admin_dir(top);
  if (!admin) {
    struct stat st;
    bool present = ::lstat((top / ".git").c_str(), &st) == 0;
    opened.git_file_change = Change{".git", present ? ChangeKind::Modified : ChangeKind::Deleted,
                                    present && S_ISLNK(st.st_mode)};
    admin = find_admin_dir(top);
    if (!admin)
      return opened;
  }
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, admin->c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0)
    return git_failure(fmt::format("cannot open the repository of worktree {}", top.string()));
  opened.repo.reset(raw);
  // Set in memory only (no gitlink update), so the worktree is read even when its .git
  // file was tampered with. Only when it differs: libgit2 1.5 leaks the path otherwise.
  const char* workdir = git_repository_workdir(raw);
  if ((workdir == nullptr || fs::path(strip_trailing_slashes(workdir)) != top) &&
      git_repository_set_workdir(raw, top.c_str(), 0) != 0)
    return git_failure(fmt::format("cannot use {} as a worktree", top.string()));
  return opened;
}

/// What is at a path, in git's terms: absent, or a mode and a blob id.
struct EntryState {
  uint32_t mode = 0;
  git_oid id{};
};

bool same(const std::optional<EntryState>& a, const std::optional<EntryState>& b) {
  if (!a || !b)
    return !a && !b;
  return a->mode == b->mode && git_oid_equal(&a->id, &b->id);
}

Result<std::optional<EntryState>> head_state(git_tree* head, const std::string& path) {
  git_tree_entry* entry = nullptr;
  int code = git_tree_entry_bypath(&entry, head, path.c_str());
  if (code == GIT_ENOTFOUND)
    return std::nullopt;
  if (code != 0)
    return git_failure(fmt::format("cannot look up {} in HEAD", path));
  TreeEntryHandle owned(entry);
  if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
    return std::nullopt;
  return EntryState{static_cast<uint32_t>(git_tree_entry_filemode(entry)),
                    *git_tree_entry_id(entry)};
}

/// The state on disk, hashed the way `git add` would store it. `symlink` reports whether
/// the entry is a symbolic link.
Result<std::optional<EntryState>> disk_state(git_repository* repo, const fs::path& top,
                                             const std::string& path, bool& symlink) {
  symlink = false;
  struct stat st;
  fs::path full = top / path;
  if (::lstat(full.c_str(), &st) != 0)
    return std::nullopt;
  EntryState state;
  if (S_ISLNK(st.st_mode)) {
    symlink = true;
    std::error_code ec;
    std::string target = fs::read_symlink(full, ec).string();
    if (ec)
      return fail(fmt::format("cannot read the symbolic link {}: {}", full.string(), ec.message()));
    state.mode = GIT_FILEMODE_LINK;
    if (git_odb_hash(&state.id, target.data(), target.size(), GIT_OBJECT_BLOB) != 0)
      return git_failure(fmt::format("cannot hash {}", path));
    return state;
  }
  if (!S_ISREG(st.st_mode))
    return std::nullopt;
  state.mode = (st.st_mode & S_IXUSR) ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
  if (git_repository_hashfile(&state.id, repo, path.c_str(), GIT_OBJECT_BLOB, nullptr) != 0)
    return git_failure(fmt::format("cannot hash {}", full.string()));
  return state;
}

/// Reports every `.git` entry below the top (a nested repository or a planted gitfile),
/// skipping what git ignores.
void find_nested_git(git_repository* repo, const fs::path& top, const std::string& relative,
                     std::vector<Change>& out) {
  std::error_code ec;
  for (fs::directory_iterator it(relative.empty() ? top : top / relative, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    std::string path = relative.empty() ? name : relative + "/" + name;
    std::error_code type_ec;
    fs::file_status status = it->symlink_status(type_ec);
    if (name == ".git") {
      if (!relative.empty())
        out.push_back({path, ChangeKind::Added, fs::is_symlink(status)});
      continue;
    }
    if (!fs::is_directory(status))
      continue;
    int ignored = 0;
    if (git_ignore_path_is_ignored(&ignored, repo, (path + "/").c_str()) == 0 && ignored)
      continue;
    find_nested_git(repo, top, path, out);
  }
}

}  // namespace

Result<std::vector<Change>> worktree_changes(const fs::path& worktree) {
  fs::path top = absolute_dir(worktree);
  auto opened = open_worktree(top);
  if (!opened)
    return std::unexpected(opened.error());
  std::vector<Change> changes;
  if (opened->git_file_change)
    changes.push_back(*opened->git_file_change);
  git_repository* repo = opened->repo.get();
  if (repo == nullptr)
    return changes;

  auto head = lookup_commit(repo, "HEAD");
  if (!head)
    return std::unexpected(head.error());
  git_tree* tree = nullptr;
  if (git_commit_tree(&tree, head->get()) != 0)
    return git_failure(fmt::format("cannot read the HEAD tree of {}", top.string()));
  TreeHandle owned_tree(tree);

  git_status_options options = GIT_STATUS_OPTIONS_INIT;
  options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
                  GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
  git_status_list* list = nullptr;
  if (git_status_list_new(&list, repo, &options) != 0)
    return git_failure(fmt::format("cannot read the status of {}", top.string()));
  StatusListHandle owned_list(list);

  // Status says which paths to look at; the verdict compares HEAD with the disk directly,
  // so a change staged and then reverted is not reported.
  std::set<std::string> candidates;
  for (size_t i = 0, n = git_status_list_entrycount(list); i < n; ++i) {
    const git_status_entry* entry = git_status_byindex(list, i);
    for (const git_diff_delta* delta : {entry->head_to_index, entry->index_to_workdir}) {
      if (delta == nullptr)
        continue;
      for (const char* path : {delta->old_file.path, delta->new_file.path}) {
        // A trailing '/' is an untracked nested repository; find_nested_git reports it.
        if (path != nullptr && *path != '\0' && !std::string_view(path).ends_with('/'))
          candidates.insert(path);
      }
    }
  }
  for (const auto& path : candidates) {
    auto before = head_state(tree, path);
    if (!before)
      return std::unexpected(before.error());
    bool symlink = false;
    auto after = disk_state(repo, top, path, symlink);
    if (!after)
      return std::unexpected(after.error());
    if (same(*before, *after))
      continue;
    ChangeKind kind = !*before ? ChangeKind::Added
                      : !*after ? ChangeKind::Deleted
                                : ChangeKind::Modified;
    changes.push_back({path, kind, *after && symlink});
  }
  find_nested_git(repo, top, "", changes);

  std::sort(changes.begin(), changes.end(),
            [](const Change& a, const Change& b) { return a.path < b.path; });
  changes.erase(std::unique(changes.begin(), changes.end(),
                            [](const Change& a, const Change& b) { return a.path == b.path; }),
                changes.end());
  return changes;
}

Result<ObjectId> snapshot_tree(const fs::path& worktree, const std::vector<Change>& changes) {
  fs::path top = absolute_dir(worktree);
  auto opened = open_worktree(top);
  if (!opened)
    return std::unexpected(opened.error());
  git_repository* repo = opened->repo.get();
  if (repo == nullptr)
    return fail(fmt::format("cannot find the repository of worktree {}", top.string()));

  auto head = lookup_commit(repo, "HEAD");
  if (!head)
    return std::unexpected(head.error());
  git_tree* tree = nullptr;
  if (git_commit_tree(&tree, head->get()) != 0)
    return git_failure(fmt::format("cannot read the HEAD tree of {}", top.string()));
  TreeHandle owned_tree(tree);
  // An in-memory index: neither the user's index nor the worktree's is read or written.
  git_index* raw_index = nullptr;
  if (git_index_new(&raw_index) != 0)
    return git_failure("cannot create an in-memory index");
  IndexHandle index(raw_index);
  if (git_index_read_tree(raw_index, tree) != 0)
    return git_failure(fmt::format("cannot read the HEAD tree of {}", top.string()));

  for (const auto& change : changes) {
    const std::string& path = change.path;
    fs::path relative(path);
    if (path.empty() || relative.is_absolute() ||
        std::any_of(relative.begin(), relative.end(), [](const fs::path& p) { return p == ".."; }))
      return fail(fmt::format("cannot snapshot '{}': not a path inside the worktree", path));
    // `.git` entries are never part of a tree (the scope check blocks such candidates).
    if (std::any_of(relative.begin(), relative.end(), [](const fs::path& p) { return p == ".git"; }))
      continue;
    bool symlink = false;
    auto state = disk_state(repo, top, path, symlink);
    if (!state)
      return std::unexpected(state.error());
    if (!*state) {
      int code = git_index_remove(raw_index, path.c_str(), 0);
      if (code != 0 && code != GIT_ENOTFOUND)
        return git_failure(fmt::format("cannot remove {} from the snapshot", path));
      continue;
    }
    git_index_entry entry{};
    entry.mode = (*state)->mode;
    entry.path = path.c_str();
    fs::path full = top / path;
    if (symlink) {
      std::error_code ec;
      std::string target = fs::read_symlink(full, ec).string();
      if (ec)
        return fail(fmt::format("cannot read the symbolic link {}: {}", full.string(), ec.message()));
      if (git_blob_create_from_buffer(&entry.id, repo, target.data(), target.size()) != 0)
        return git_failure(fmt::format("cannot store {}", path));
    } else if (git_blob_create_from_workdir(&entry.id, repo, path.c_str()) != 0) {
      return git_failure(fmt::format("cannot store {}", full.string()));
    }
    if (git_index_add(raw_index, &entry) != 0)
      return git_failure(fmt::format("cannot add {} to the snapshot", path));
  }
  git_oid oid;
  if (git_index_write_tree_to(&oid, raw_index, repo) != 0)
    return git_failure(fmt::format("cannot write the snapshot tree of {}", top.string()));
  return to_hex(oid);
}

}  // namespace anneal::git
