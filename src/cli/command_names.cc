#include "cli/command_names.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace anneal::cli {

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::optional<std::string> closest_command(const std::string& typed, const std::vector<std::string>& commands) {
  std::optional<std::string> best;
  size_t best_distance = 3;
  for (const auto& command : commands) {
    size_t d = edit_distance(typed, command);
    if (d < best_distance && d * 2 < std::max(typed.size(), command.size())) {
      best = command;
      best_distance = d;
    }
  }
  return best;
}

std::string typed_command(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg == "-C") {
      ++i;
      continue;
    }
    if (!arg.starts_with("-"))
      return std::string(arg);
  }
  return "";
}

}  // namespace anneal::cli
