#include "git/tree_diff.h"

#include <algorithm>

#include <fmt/format.h>

#include "git/handle.h"

namespace anneal::git {

Result<std::vector<std::string>> changed_paths(const Repository& repo, std::string_view from, std::string_view to) {
  ensure_libgit2();
  std::vector<TreeHandle> trees;
  for (std::string_view commit : {from, to}) {
    auto found = lookup_commit(repo.raw(), commit);
    if (!found)
      return std::unexpected(found.error());
    git_tree* tree = nullptr;
    if (git_commit_tree(&tree, found->get()) != 0)
      return git_failure(fmt::format("cannot read the tree of {}", commit));
    trees.emplace_back(tree);
  }
  std::vector<std::string> paths;
  if (git_oid_equal(git_tree_id(trees[0].get()), git_tree_id(trees[1].get())))
    return paths;
  git_diff* diff = nullptr;
  if (git_diff_tree_to_tree(&diff, repo.raw(), trees[0].get(), trees[1].get(), nullptr) != 0)
    return git_failure(fmt::format("cannot diff {} to {}", from, to));
  DiffHandle owned(diff);
  for (size_t i = 0, n = git_diff_num_deltas(diff); i < n; ++i) {
    const git_diff_delta* delta = git_diff_get_delta(diff, i);
    for (const char* path : {delta->old_file.path, delta->new_file.path})
      if (path != nullptr)
        paths.emplace_back(path);
  }
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

}  // namespace anneal::git
