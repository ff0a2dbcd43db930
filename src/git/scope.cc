#include "git/scope.h"

#include <sys/stat.h>

#include <algorithm>
#include <system_error>

namespace anneal::git {

namespace fs = std::filesystem;

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos)
      slash = path.size();
    std::string_view part = path.substr(start, slash - start);
    if (!part.empty() && part != ".")
      parts.push_back(part);
    start = slash + 1;
  }
  return parts;
}

/// Matches a `[...]` class starting at pattern[i] (just past '['); advances i past ']'.
/// Returns nullopt when the class is not closed (then '[' is an ordinary character).
std::optional<bool> match_class(std::string_view pattern, size_t& i, char c) {
  size_t j = i;
  bool negate = j < pattern.size() && (pattern[j] == '!' || pattern[j] == '^');
  if (negate)
    ++j;
  bool matched = false;
  bool first = true;
  while (j < pattern.size() && (pattern[j] != ']' || first)) {
    first = false;
    char low = pattern[j];
    if (low == '\\' && j + 1 < pattern.size())
      low = pattern[++j];
    char high = low;
    if (j + 2 < pattern.size() && pattern[j + 1] == '-' && pattern[j + 2] != ']') {
      high = pattern[j + 2];
      if (high == '\\' && j + 3 < pattern.size()) {
        high = pattern[j + 3];
        ++j;
      }
      j += 2;
    }
    if (low <= c && c <= high)
      matched = true;
    ++j;
  }
  if (j >= pattern.size())
    return std::nullopt;
  i = j + 1;
  return matched != negate;
}

/// Matches one path component against one pattern component (no '/' in either).
bool match_component(std::string_view pattern, std::string_view name) {
  size_t p = 0;
  size_t n = 0;
  size_t star_p = std::string_view::npos;
  size_t star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size()) {
      char pc = pattern[p];
      if (pc == '*') {
        star_p = ++p;
        star_n = n;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++n;
        continue;
      }
      if (pc == '[') {
        size_t after = p + 1;
        if (auto matched = match_class(pattern, after, name[n])) {
          if (*matched) {
            p = after;
            ++n;
            continue;
          }
        } else if (name[n] == '[') {
          ++p;
          ++n;
          continue;
        }
      } else {
        if (pc == '\\' && p + 1 < pattern.size())
          pc = pattern[++p];
        if (pc == name[n]) {
          ++p;
          ++n;
          continue;
        }
      }
    }
    // Mismatch: let the last '*' swallow one more character, or fail.
    if (star_p == std::string_view::npos)
      return false;
    p = star_p;
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

/// Matches pattern components [pi..] against path components [ni..]. Running out of
/// pattern first is a match: the pattern named a directory that contains the path.
bool match_parts(const std::vector<std::string_view>& pattern, size_t pi,
                 const std::vector<std::string_view>& path, size_t ni) {
  if (pi == pattern.size())
    return true;
  if (pattern[pi] == "**") {
    for (size_t skip = ni; skip <= path.size(); ++skip) {
      if (match_parts(pattern, pi + 1, path, skip))
        return true;
    }
    return false;
  }
  if (ni == path.size() || !match_component(pattern[pi], path[ni]))
    return false;
  return match_parts(pattern, pi + 1, path, ni + 1);
}

bool matches_any(const std::vector<std::string>& globs, std::string_view path) {
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& glob) { return glob_match(glob, path); });
}

/// Whether `target`, read from a link at `link_path`, leaves the worktree (or reaches into
/// its `.git`) when resolved lexically from the link's directory.
bool escapes_worktree(std::string_view link_path, const std::string& target) {
  if (target.empty() || target.front() == '/')
    return true;
  std::vector<std::string_view> resolved = split_path(link_path);
  if (!resolved.empty())
    resolved.pop_back();
  for (std::string_view part : split_path(target)) {
    if (part == "..") {
      if (resolved.empty())
        return true;
      resolved.pop_back();
    } else {
      resolved.push_back(part);
    }
  }
  return !resolved.empty() && resolved.front() == ".git";
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  std::vector<std::string_view> pattern_parts = split_path(pattern);
  if (pattern_parts.empty())
    return false;
  return match_parts(pattern_parts, 0, split_path(path), 0);
}

std::optional<Violation> check_path(const ScopeRules& rules, std::string_view path) {
  std::string text(path);
  if (path.starts_with('/'))
    return Violation{text, "absolute path"};
  std::vector<std::string_view> parts = split_path(path);
  if (std::find(parts.begin(), parts.end(), "..") != parts.end())
    return Violation{text, "path contains .."};
  // Case-insensitive: ".GIT" is the git directory on case-insensitive file systems.
  auto is_git = [](std::string_view part) {
    return part.size() == 4 && part[0] == '.' && (part[1] | 0x20) == 'g' &&
           (part[2] | 0x20) == 'i' && (part[3] | 0x20) == 't';
  };
  if (std::any_of(parts.begin(), parts.end(), is_git))
    return Violation{text, "under .git"};
  if (parts.empty())
    return Violation{text, "not editable"};
  if (matches_any(rules.immutable, path))
    return Violation{text, "immutable"};
  if (!matches_any(rules.editable, path))
    return Violation{text, "not editable"};
  return std::nullopt;
}

std::vector<Violation> check_scope(const ScopeRules& rules, const std::vector<Change>& changes,
                                   const fs::path& worktree) {
  std::vector<Violation> violations;
  for (const auto& change : changes) {
    if (auto violation = check_path(rules, change.path)) {
      violations.push_back(std::move(*violation));
      continue;
    }
    if (change.kind == ChangeKind::Deleted)
      continue;
    // Look at the disk rather than trusting `change.symlink`: one lstat per change.
    fs::path full = worktree / change.path;
    struct stat st;
    if (::lstat(full.c_str(), &st) != 0 || !S_ISLNK(st.st_mode))
      continue;
    std::error_code ec;
    std::string target = fs::read_symlink(full, ec).string();
    if (ec || escapes_worktree(change.path, target))
      violations.push_back({change.path, "symlink points outside the worktree"});
  }
  return violations;
}

}  // namespace anneal::git
