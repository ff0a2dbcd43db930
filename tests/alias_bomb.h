// A YAML alias bomb ("billion laughs") for the tests of every YAML anneal reads: nine levels
// of nine aliases to the level below, 9^9 strings once expanded, about 600 bytes written.
#pragma once

#include <string>

#include <fmt/format.h>

namespace anneal::testing {

/// The bomb as a block sequence whose items are indented by `indent` spaces: level a on the
/// first line, level i on the ninth.
inline std::string alias_bomb_items(int indent) {
  std::string pad(static_cast<size_t>(indent), ' ');
  std::string text = pad + "- &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char level = 'b'; level <= 'i'; ++level) {
    text += pad + fmt::format("- &{} [", level);
    for (int i = 0; i < 9; ++i)
      text += fmt::format("{}*{}", i ? ", " : "", static_cast<char>(level - 1));
    text += "]\n";
  }
  return text;
}

/// Where check_yaml_aliases stops the bomb, relative to its first line and its indent: levels
/// b to d bring in 8289 nodes through aliases, the first *d of level e 7381 more.
constexpr int k_alias_bomb_line = 5;
inline int alias_bomb_column(int indent) { return indent + 7; }

}  // namespace anneal::testing
