#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "git/changes.h"

namespace anneal::git {

/// What a target lets its agent change.
struct ScopeRules {
  std::vector<std::string> editable;   ///< globs; a change must match one
  std::vector<std::string> immutable;  ///< globs; a change must match none
};

/// One path that breaks the scope, and why ("not editable", "immutable", "under .git",
/// "path contains ..", "absolute path", "symlink points outside the worktree").
struct Violation {
  std::string path;
  std::string reason;
};

/// Matches a '/'-separated path against a glob: `*` and `?` within one path component,
/// `**` across any number of components, also none ("src/**/x.py" matches "src/x.py",
/// "src/**" everything under src, "**" everything), `[abc]`, `[a-z]`, `[!abc]` classes and
/// `\` escapes. The pattern is anchored at the top of the worktree and matches the whole
/// path or a directory that contains it: "*.py" matches "a.py" but not "src/a.py" (write
/// "**/*.py" for that), and "src" or "src/" matches everything under src, as in .gitignore.
bool glob_match(std::string_view pattern, std::string_view path);

/// Checks one path an agent names before it is touched (absolute, "..", .git, editable,
/// immutable). nullopt = allowed.
std::optional<Violation> check_path(const ScopeRules& rules, std::string_view path);

/// Checks every change of a candidate, including where each new symlink in `worktree`
/// points. Empty = the candidate is within scope.
std::vector<Violation> check_scope(const ScopeRules& rules, const std::vector<Change>& changes,
                                   const std::filesystem::path& worktree);

}  // namespace anneal::git
