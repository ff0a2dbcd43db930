// git: which paths differ between two commits — what tells a target that HEAD moved under it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "git/repository.h"
#include "util/error.h"

namespace anneal::git {

/// The paths (repository-relative, '/'-separated, sorted) whose entries differ between the
/// trees of commits `from` and `to`: added, deleted, modified, mode or type changed (a rename
/// is its two paths). Empty when the trees are the same.
Result<std::vector<std::string>> changed_paths(const Repository& repo, std::string_view from, std::string_view to);

}  // namespace anneal::git
