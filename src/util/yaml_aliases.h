#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace anneal {

/// How many nodes a YAML text's aliases may bring in, expanded, before it is refused. Real
/// Annealfiles reach a few dozen; an alias bomb (nested aliases, "billion laughs") reaches
/// billions, and every walk over the loaded tree visits each of them.
constexpr size_t k_yaml_alias_budget = 10'000;

/// Why a YAML text is refused, at the alias that crossed the line (1-based line and column).
struct YamlAliasProblem {
  int line = 0;
  int column = 0;
  std::string message;
};

/// Checks the aliases of `text` (every document) in one pass over its events, without
/// expanding anything: an alias to a node that contains it (a cycle) is refused, and so is an
/// alias that brings the nodes reached through aliases past `budget`. A text yaml-cpp cannot
/// parse passes: YAML::Load reports its error. Call it on YAML from untrusted places before
/// walking the loaded tree.
std::optional<YamlAliasProblem> check_yaml_aliases(std::string_view text,
                                                   size_t budget = k_yaml_alias_budget);

}  // namespace anneal
