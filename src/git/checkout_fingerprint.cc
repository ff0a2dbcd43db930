#include "git/checkout_fingerprint.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <unordered_map>
#include <unordered_set>
#include <string_view>

#include <fmt/format.h>

#include "git/handle.h"
#include "util/file.h"

namespace anneal::git {

namespace fs = std::filesystem;

namespace {

constexpr off_t k_copy_max_file = 1 << 20;
constexpr int64_t k_copy_budget = 16 << 20;

int64_t nanoseconds(const timespec& t) { return int64_t(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

Result<RepositoryHandle> open_repo(const fs::path& workdir) {
  ensure_libgit2();
  git_repository* raw = nullptr;
  if (git_repository_open(&raw, workdir.c_str()) != 0)
    return git_failure(fmt::format("cannot open {}", workdir.string()));
  return RepositoryHandle(raw);
}

/// The index's stage-0 entries by path.
struct Tracked {
  std::unordered_map<std::string, git_index_entry> entries;
  std::unordered_set<std::string> dirs;  ///< every folder holding a tracked file
  int64_t index_mtime_ns = 0;
};

Result<Tracked> read_index(git_repository* repo) {
  git_index* raw = nullptr;
  if (git_repository_index(&raw, repo) != 0)
    return git_failure("cannot read the index");
  IndexHandle index(raw);
  Tracked tracked;
  for (size_t i = 0, n = git_index_entrycount(raw); i < n; ++i) {
    const git_index_entry* e = git_index_get_byindex(raw, i);
    if (git_index_entry_stage(e) != 0)
      continue;
    std::string path = e->path;
    tracked.entries.emplace(path, *e);
    for (size_t slash = path.rfind('/'); slash != std::string::npos; slash = path.rfind('/', slash - 1)) {
      if (!tracked.dirs.insert(path.substr(0, slash)).second || slash == 0)
        break;
    }
  }
  struct stat st {};
  if (const char* file = git_index_path(raw); file != nullptr && ::lstat(file, &st) == 0)
    tracked.index_mtime_ns = nanoseconds(st.st_mtim);
  for (auto& [path, entry] : tracked.entries)
    entry.path = nullptr;  // owned by the index, which goes away here
  return tracked;
}

/// The stat data git compares, for a file whose bytes match the entry, and not "racily
/// clean" (modified in the same instant as the index was written). git itself records
/// nanoseconds only when built with USE_NSEC: an entry without them compares seconds.
bool matches_index(const struct stat& st, const git_index_entry& e, int64_t index_mtime_ns) {
  bool whole_seconds = e.mtime.nanoseconds == 0;
  int64_t mtime = whole_seconds ? int64_t(st.st_mtim.tv_sec) * 1'000'000'000 : nanoseconds(st.st_mtim);
  int64_t index_mtime = whole_seconds ? index_mtime_ns / 1'000'000'000 * 1'000'000'000 : index_mtime_ns;
  return uint32_t(st.st_size) == e.file_size && int64_t(e.mtime.seconds) == st.st_mtim.tv_sec &&
         (whole_seconds || e.mtime.nanoseconds == uint32_t(st.st_mtim.tv_nsec)) && mtime < index_mtime &&
         (S_ISLNK(st.st_mode) ? e.mode == GIT_FILEMODE_LINK
                              : (e.mode == GIT_FILEMODE_BLOB_EXECUTABLE) == ((st.st_mode & S_IXUSR) != 0));
}

std::optional<std::string> read_bytes(const fs::path& path, mode_t mode) {
  if (S_ISLNK(mode)) {
    std::error_code ec;
    fs::path target = fs::read_symlink(path, ec);
    return ec ? std::nullopt : std::optional(target.string());
  }
  return read_file_if_exists(path);
}

Result<void> write_back(const fs::path& path, const std::string& bytes, mode_t mode) {
  std::error_code ec;
  fs::remove(path, ec);
  if (S_ISLNK(mode)) {
    fs::create_directories(path.parent_path(), ec);
    fs::create_symlink(bytes, path, ec);
    if (ec)
      return fail(fmt::format("cannot put back {}: {}", path.string(), ec.message()));
    return {};
  }
  if (auto written = write_file_atomic(path, bytes, Durability::Unsynced); !written)
    return written;
  if (::chmod(path.c_str(), mode & 07777) != 0)
    return fail(fmt::format("cannot put back the mode of {}", path.string()));
  return {};
}

}  // namespace

struct CheckoutFingerprint::Scan {
  std::map<std::string, Stat> found;
  std::map<std::string, std::string> clean_blobs;  ///< path → the index's blob id
  RepositoryHandle repo;
};

Result<CheckoutFingerprint::Scan> CheckoutFingerprint::scan() const {
  Scan out;
  auto repo = open_repo(m_workdir);
  if (!repo)
    return std::unexpected(repo.error());
  auto tracked = read_index(repo->get());
  if (!tracked)
    return std::unexpected(tracked.error());
  std::map<std::string, Stat>& found = out.found;
  auto record = [&](const std::string& relative, const struct stat& st) {
    found[relative] = Stat{st.st_mode, st.st_size, nanoseconds(st.st_mtim), nanoseconds(st.st_ctim), st.st_ino};
  };
  auto ignored = [&](const std::string& relative) {
    int is = 0;
    return git_ignore_path_is_ignored(&is, repo->get(), relative.c_str()) == 0 && is == 1;
  };
  std::set<fs::path> skip(m_skip.begin(), m_skip.end());
  // Depth first over folders; `relative` is "" for the top, else "a/b".
  std::vector<std::string> pending = {""};
  while (!pending.empty()) {
    std::string dir = std::move(pending.back());
    pending.pop_back();
    fs::path full = dir.empty() ? m_workdir : m_workdir / dir;
    DIR* handle = ::opendir(full.c_str());
    if (handle == nullptr)
      continue;
    while (const dirent* d = ::readdir(handle)) {
      std::string_view name = d->d_name;
      if (name == "." || name == ".." || name == ".git")
        continue;
      std::string relative = dir.empty() ? std::string(name) : dir + "/" + std::string(name);
      // Relative to the open folder: no path walk from the root per file.
      struct stat st {};
      if (::fstatat(::dirfd(handle), d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;
      if (S_ISDIR(st.st_mode)) {
        // A submodule (tracked as one entry) or a nested repository is not walked, as in
        // `git status`; nor are anneal's own folders.
        struct stat nested {};
        if (skip.contains(m_workdir / relative) || tracked->entries.contains(relative) ||
            ::fstatat(::dirfd(handle), (relative.substr(dir.empty() ? 0 : dir.size() + 1) + "/.git").c_str(), &nested,
                      AT_SYMLINK_NOFOLLOW) == 0)
          continue;
        if (tracked->dirs.contains(relative) || !ignored(relative + "/"))
          pending.push_back(relative);
      } else if (tracked->entries.contains(relative) || !ignored(relative)) {
        record(relative, st);
      }
    }
    ::closedir(handle);
  }
  // What take() needs to tell clean files from edited ones.
  for (const auto& [path, stat] : found) {
    auto entry = tracked->entries.find(path);
    if (entry == tracked->entries.end())
      continue;
    struct stat st {};
    st.st_mode = stat.mode;
    st.st_size = stat.size;
    st.st_mtim = {time_t(stat.mtime_ns / 1'000'000'000), long(stat.mtime_ns % 1'000'000'000)};
    if (matches_index(st, entry->second, tracked->index_mtime_ns))
      out.clean_blobs[path] = to_hex(entry->second.id);
  }
  out.repo = std::move(*repo);
  return out;
}

Result<CheckoutFingerprint> CheckoutFingerprint::take(const fs::path& workdir, const std::vector<fs::path>& skip) {
  CheckoutFingerprint fingerprint;
  fingerprint.m_workdir = workdir;
  fingerprint.m_skip = skip;
  auto scanned = fingerprint.scan();
  if (!scanned)
    return std::unexpected(scanned.error());
  int64_t budget = k_copy_budget;
  for (const auto& [path, stat] : scanned->found) {
    Entry entry{stat, {}, std::nullopt};
    if (auto clean = scanned->clean_blobs.find(path); clean != scanned->clean_blobs.end()) {
      entry.blob = clean->second;
    } else if (stat.size <= k_copy_max_file && stat.size <= budget) {
      entry.bytes = read_bytes(workdir / path, stat.mode);
      if (entry.bytes)
        budget -= stat.size;
    }
    fingerprint.m_files.emplace(path, std::move(entry));
  }
  return fingerprint;
}

Result<std::vector<CheckoutChange>> CheckoutFingerprint::restore(const fs::path& aside) {
  auto scanned = scan();
  if (!scanned)
    return std::unexpected(scanned.error());
  const auto* after = &scanned->found;
  git_repository* repo = scanned->repo.get();
  // The bytes a file had before the agent: its copy, or its blob.
  auto original = [&](const Entry& entry) -> std::optional<std::string> {
    if (entry.bytes)
      return entry.bytes;
    git_oid oid;
    git_blob* raw = nullptr;
    if (entry.blob.empty() || git_oid_fromstr(&oid, entry.blob.c_str()) != 0 ||
        git_blob_lookup(&raw, repo, &oid) != 0)
      return std::nullopt;
    BlobHandle blob(raw);
    return std::string(static_cast<const char*>(git_blob_rawcontent(raw)), size_t(git_blob_rawsize(raw)));
  };
  auto set_aside = [&](const std::string& path) -> Result<std::string> {
    fs::path from = m_workdir / path;
    fs::path to = aside / path;
    if (auto made = make_dirs(to.parent_path()); !made)
      return std::unexpected(made.error());
    std::error_code ec;
    fs::rename(from, to, ec);
    if (ec)
      return fail(fmt::format("cannot move {} to {}: {}", from.string(), to.string(), ec.message()));
    return to.string();
  };

  std::vector<CheckoutChange> changes;
  std::set<std::string> paths;
  for (const auto& [path, entry] : m_files)
    paths.insert(path);
  for (const auto& [path, stat] : *after)
    paths.insert(path);
  for (const auto& path : paths) {
    auto before = m_files.find(path);
    auto now = after->find(path);
    if (before == m_files.end()) {
      auto moved = set_aside(path);
      if (!moved)
        return std::unexpected(moved.error());
      changes.push_back({path, fmt::format("added in your checkout; moved to {}", *moved)});
      continue;
    }
    const Entry& entry = before->second;
    if (now != after->end() && now->second == entry.stat)
      continue;
    auto bytes = original(entry);
    if (now != after->end()) {
      // Touched, but the same bytes and mode: nothing to undo.
      auto current = read_bytes(m_workdir / path, now->second.mode);
      if (bytes && current == bytes && now->second.mode == entry.stat.mode)
        continue;
    }
    if (!bytes) {
      changes.push_back({path, now == after->end() ? "removed from your checkout; no copy to put back"
                                                    : "changed in your checkout; no copy to put back (over 1 MiB)"});
      continue;
    }
    std::string reason = "removed from your checkout; put back";
    if (now != after->end()) {
      auto moved = set_aside(path);
      if (!moved)
        return std::unexpected(moved.error());
      reason = fmt::format("changed in your checkout; put back (the changed file: {})", *moved);
    }
    if (auto written = write_back(m_workdir / path, *bytes, entry.stat.mode); !written)
      return std::unexpected(written.error());
    changes.push_back({path, reason});
  }
  return changes;
}

}  // namespace anneal::git
