#include "git/repo_guard.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "git/handle.h"
#include "util/file.h"

namespace anneal::git {

namespace fs = std::filesystem;

namespace {

/// The git directory of a checkout: its `.git` folder, or where its `.git` file points.
fs::path gitdir_of(const fs::path& checkout) {
  fs::path dot_git = checkout / ".git";
  std::error_code ec;
  if (fs::is_directory(fs::symlink_status(dot_git, ec)))
    return dot_git;
  auto link = read_file_if_exists(dot_git);
  if (!link || !link->starts_with("gitdir: "))
    return {};
  fs::path dir = trim_line_end(link->substr(8));
  return (dir.is_relative() ? checkout / dir : dir).lexically_normal();
}

/// Refs anneal itself moves while agents run (other targets' candidates and incumbents).
bool is_anneal_ref(std::string_view name) {
  return name.starts_with("refs/anneal/") || name.starts_with("refs/heads/anneal/");
}

/// Below refs/: anneal's own refs and git's lock files are not the agent's doing to judge.
bool skip_in_refs(const fs::path& relative) {
  std::string text = relative.generic_string();
  if (text.ends_with(".lock"))
    return true;
  return is_anneal_ref("refs/" + text + "/") || is_anneal_ref("refs/" + text);
}

/// packed-refs split into its header and one block per ref (its line and a peeled "^" line).
struct PackedRefs {
  std::string header;
  std::map<std::string, std::string> blocks;  ///< ref name → its lines
};

PackedRefs parse_packed_refs(std::string_view text) {
  PackedRefs packed;
  std::string current;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string line(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    start = end == std::string_view::npos ? text.size() : end + 1;
    if (line.empty())
      continue;
    if (line[0] == '#') {
      packed.header += line + "\n";
    } else if (line[0] == '^') {
      if (!current.empty())
        packed.blocks[current] += line + "\n";
    } else if (size_t space = line.find(' '); space != std::string::npos) {
      current = line.substr(space + 1);
      packed.blocks[current] = line + "\n";
    }
  }
  return packed;
}

/// What each ref outside anneal's namespaces points at, loose refs over packed ones.
std::map<std::string, std::string> ref_values(const FileTree& tree, const fs::path& common) {
  std::map<std::string, std::string> values;
  if (auto packed = tree.find(common / "packed-refs"); packed != tree.end()) {
    for (const auto& [name, block] : parse_packed_refs(packed->second.bytes).blocks) {
      if (!is_anneal_ref(name))
        values[name] = trim_line_end(block.substr(0, block.find(' ')));
    }
  }
  fs::path refs = common / "refs";
  for (auto it = tree.lower_bound(refs); it != tree.end(); ++it) {
    fs::path relative = it->first.lexically_relative(common);
    if (relative.empty() || *relative.begin() != "refs")
      break;
    if (it->second.kind != FileNode::Kind::Dir)
      values[relative.generic_string()] = trim_line_end(it->second.bytes);
  }
  return values;
}

/// The index's entries as text ("mode id stage path" lines), or nullopt when libgit2
/// cannot read it: its stat data and extensions change whenever git refreshes it.
std::optional<std::string> index_entries(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(path, ec)))
    return std::nullopt;
  ensure_libgit2();
  git_index* raw = nullptr;
  if (git_index_open(&raw, path.c_str()) != 0)
    return std::nullopt;
  IndexHandle index(raw);
  std::string text;
  for (size_t i = 0, n = git_index_entrycount(raw); i < n; ++i) {
    const git_index_entry* entry = git_index_get_byindex(raw, i);
    text += fmt::format("{:o} {} {} {}\n", entry->mode, to_hex(entry->id), git_index_entry_stage(entry),
                        entry->path);
  }
  return text;
}

std::optional<FileNode> node_at(const fs::path& path) {
  FileTree one;
  snapshot_path(path, one);
  if (auto it = one.find(path); it != one.end())
    return it->second;
  return std::nullopt;
}

std::string short_id(const std::string& value) {
  return value.size() == 40 ? value.substr(0, 10) : value;
}

}  // namespace

Result<RepoGuard> RepoGuard::take(const fs::path& workdir, const fs::path& common_dir, const fs::path& worktree,
                                  const std::vector<fs::path>& skip, Reach reach) {
  RepoGuard guard;
  auto clean = [](const fs::path& path) {
    std::string text = fs::absolute(path).lexically_normal().string();
    while (text.size() > 1 && text.back() == '/')
      text.pop_back();
    return fs::path(text);
  };
  guard.m_workdir = clean(workdir);
  guard.m_common = clean(common_dir);
  guard.m_worktree = clean(worktree);
  guard.m_user_gitdir = gitdir_of(guard.m_workdir);
  if (guard.m_user_gitdir.empty())
    return fail(fmt::format("cannot guard {}: it has no .git", guard.m_workdir.string()));
  guard.m_own_gitdir = gitdir_of(guard.m_worktree);
  guard.m_reach = reach;
  guard.m_worktree_link = node_at(guard.m_worktree / ".git");
  if (reach == Reach::WorktreeOnly)
    return guard;
  guard.m_before = guard.snapshot();
  guard.m_index_entries = index_entries(guard.m_user_gitdir / "index").value_or("");
  auto checkout = CheckoutFingerprint::take(guard.m_workdir, skip);
  if (!checkout)
    return std::unexpected(checkout.error());
  guard.m_checkout = std::move(*checkout);
  return guard;
}

FileTree RepoGuard::snapshot() const {
  FileTree tree;
  for (const char* name : {"config", "config.worktree", "commondir", "shallow", "hooks", "info", "branches",
                           "remotes", "objects/info/alternates", "objects/info/http-alternates", "packed-refs"})
    snapshot_path(m_common / name, tree);
  snapshot_path(m_common / "refs", tree, skip_in_refs);
  for (const char* name : {"HEAD", "index", "MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge",
                           "rebase-apply", "sequencer"})
    snapshot_path(m_user_gitdir / name, tree);
  if (m_user_gitdir != m_common) {
    for (const char* name : {"config.worktree", "commondir", "gitdir"})
      snapshot_path(m_user_gitdir / name, tree);
  }
  if (!m_own_gitdir.empty()) {
    for (const char* name : {"config.worktree", "commondir", "gitdir", "info"})
      snapshot_path(m_own_gitdir / name, tree);
  }
  // The user's other linked worktrees; their index is theirs to refresh. Of anneal's own
  // ("anneal-*", made and removed as other nodes run) only what anneal never writes: a plant
  // there would act on another candidate's commands.
  std::error_code ec;
  for (fs::directory_iterator it(m_common / "worktrees", ec), end; !ec && it != end; it.increment(ec)) {
    fs::path admin = it->path();
    if (admin == m_user_gitdir || admin == m_own_gitdir)
      continue;
    if (admin.filename().string().starts_with("anneal-")) {
      for (const char* name : {"config.worktree", "info"})
        snapshot_path(admin / name, tree);
      continue;
    }
    for (const char* name : {"HEAD", "config.worktree", "commondir", "gitdir", "info"})
      snapshot_path(admin / name, tree);
  }
  return tree;
}

std::string RepoGuard::display(const fs::path& path) const {
  fs::path relative = path.lexically_relative(m_workdir);
  if (!relative.empty() && *relative.begin() != "..")
    return relative.generic_string();
  return path.string();
}

Result<std::vector<Breach>> RepoGuard::restore(const fs::path& aside) {
  std::vector<Breach> breaches;
  auto link = node_at(m_worktree / ".git");
  m_worktree_replaced = link != m_worktree_link;
  if (m_worktree_replaced)
    breaches.push_back({".git", "the worktree's .git was replaced or removed; the worktree is rebuilt"});

  if (m_reach == Reach::WorktreeOnly)
    return breaches;
  FileTree after = snapshot();
  std::vector<fs::path> changed = changed_paths(m_before, after);
  const fs::path index = m_user_gitdir / "index";
  const fs::path packed = m_common / "packed-refs";
  auto is_ref_path = [&](const fs::path& path) {
    fs::path relative = path.lexically_relative(m_common);
    return path == packed || (!relative.empty() && *relative.begin() == "refs");
  };

  // Refs: compared by value, put back file by file (packed-refs merged: see below).
  auto refs_before = ref_values(m_before, m_common);
  auto refs_after = ref_values(after, m_common);
  bool refs_moved = refs_before != refs_after;
  if (refs_moved) {
    std::set<std::string> names;
    for (const auto& [name, value] : refs_before)
      names.insert(name);
    for (const auto& [name, value] : refs_after)
      names.insert(name);
    for (const auto& name : names) {
      auto b = refs_before.find(name);
      auto a = refs_after.find(name);
      std::string shown = display(m_common / name);
      if (b == refs_before.end())
        breaches.push_back({shown, fmt::format("ref created at {}; removed", short_id(a->second))});
      else if (a == refs_after.end())
        breaches.push_back({shown, fmt::format("ref deleted (was {}); restored", short_id(b->second))});
      else if (a->second != b->second)
        breaches.push_back({shown, fmt::format("ref moved from {} to {}; restored", short_id(b->second),
                                               short_id(a->second))});
    }
  }

  std::vector<fs::path> to_restore;
  std::set<fs::path> reported;
  for (const auto& path : changed) {
    if (is_ref_path(path)) {
      if (refs_moved && path != packed)
        to_restore.push_back(path);
      continue;
    }
    to_restore.push_back(path);
    if (path == index) {
      // Only stat data or extensions differ (a `git status` refreshed it): put back, as
      // harmless as the refresh itself, but no breach.
      auto now = index_entries(index);
      if (now && !m_index_entries.empty() && *now == m_index_entries)
        continue;
    }
    // A changed folder is reported once, not with each file below it.
    bool under_reported = false;
    for (fs::path p = path.parent_path(); !under_reported && p.has_relative_path() && p != p.parent_path();
         p = p.parent_path())
      under_reported = reported.contains(p);
    if (under_reported)
      continue;
    reported.insert(path);
    bool was = m_before.contains(path);
    bool is = after.contains(path);
    breaches.push_back({display(path), !was ? "added outside the worktree; removed"
                                       : !is ? "removed outside the worktree; restored"
                                             : "changed outside the worktree; restored"});
  }
  if (auto restored = restore_paths(m_before, to_restore); !restored)
    return std::unexpected(restored.error());

  if (refs_moved) {
    // packed-refs as it was, except for anneal's own refs, which keep what anneal wrote since.
    auto old_packed = m_before.find(packed);
    auto new_packed = after.find(packed);
    PackedRefs merged = parse_packed_refs(old_packed == m_before.end() ? "" : old_packed->second.bytes);
    std::erase_if(merged.blocks, [](const auto& block) { return is_anneal_ref(block.first); });
    if (new_packed != after.end()) {
      PackedRefs now = parse_packed_refs(new_packed->second.bytes);
      for (auto& [name, block] : now.blocks)
        if (is_anneal_ref(name))
          merged.blocks[name] = block;
      if (merged.header.empty())
        merged.header = now.header;
    }
    if (old_packed == m_before.end() && merged.blocks.empty()) {
      std::error_code ec;
      fs::remove(packed, ec);
    } else {
      std::string text = merged.header;
      for (const auto& [name, block] : merged.blocks)
        text += block;
      if (auto written = write_file_atomic(packed, text); !written)
        return std::unexpected(written.error());
    }
  }
  // The checkout last: the index it reads is the user's again.
  if (m_checkout) {
    auto changes = m_checkout->restore(aside);
    if (!changes)
      return std::unexpected(changes.error());
    for (auto& change : *changes)
      breaches.push_back({std::move(change.path), std::move(change.reason)});
  }
  return breaches;
}

}  // namespace anneal::git
