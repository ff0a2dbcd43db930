#include "graph/baseline_choice.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "git/scope.h"
#include "git/tree_diff.h"

namespace anneal::graph {

namespace {

/// Whether a change to `path` can change what the target measures.
bool read_by(const Target& target, const std::string& path) {
  if (path == "Annealfile")  // read from the working tree, its changes are configuration changes
    return false;
  if (target.inputs.empty())
    return true;
  auto matches = [&](const std::vector<std::string>& globs) {
    return std::any_of(globs.begin(), globs.end(), [&](const auto& g) { return git::glob_match(g, path); });
  };
  return matches(target.inputs) || matches(target.artifact) || matches(target.scope.editable);
}

std::string listed(const std::vector<std::string>& paths) {
  constexpr size_t k_shown = 3;
  std::vector<std::string> shown(paths.begin(), paths.begin() + std::min(paths.size(), k_shown));
  std::string out = fmt::format("{}", fmt::join(shown, ", "));
  if (paths.size() > k_shown)
    out += fmt::format(" and {} more", paths.size() - k_shown);
  return out;
}

}  // namespace

Result<BaselineChoice> choose_baseline(const git::Repository& repo, const Target& target, const std::string& previous,
                                       const std::string& incumbent) {
  auto head = repo.head_commit();
  if (!head)
    return std::unexpected(head.error());
  BaselineChoice choice;
  if (previous.empty() || *head == previous) {
    choice.baseline = *head;
    return choice;
  }
  choice.baseline = previous;
  if (target.baseline_pinned)
    return choice;
  if (!repo.has_object(previous)) {
    choice.baseline = *head;
    choice.moved = fmt::format("its baseline {} is no longer in the repository; HEAD is {}", previous.substr(0, 12),
                               head->substr(0, 12));
    return choice;
  }
  auto changed = git::changed_paths(repo, previous, *head);
  if (!changed)
    return std::unexpected(changed.error());
  std::vector<std::string> relevant;
  std::copy_if(changed->begin(), changed->end(), std::back_inserter(relevant),
               [&](const std::string& path) { return read_by(target, path); });
  if (relevant.empty())
    return choice;
  choice.baseline = *head;
  choice.moved = fmt::format("HEAD moved ({} → {}): {} changed", previous.substr(0, 12), head->substr(0, 12),
                             listed(relevant));
  // The previous run's improvement is worth trying on the new baseline, unless HEAD already
  // holds it (`anneal apply` brought it in).
  if (!incumbent.empty() && incumbent != previous && repo.has_object(incumbent)) {
    auto held = git::changed_paths(repo, incumbent, *head);
    if (!held)
      return std::unexpected(held.error());
    if (!held->empty())
      choice.carry = CarryOver{previous, incumbent};
  }
  return choice;
}

}  // namespace anneal::graph
