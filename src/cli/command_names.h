// cli: what a user typed instead of a command — "did you mean", the way git answers a typo.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace anneal::cli {

/// The command closest to `typed` (by edit distance, case ignored) when it is close enough
/// to be a typo: at most 2 edits and fewer than half of its letters.
std::optional<std::string> closest_command(const std::string& typed, const std::vector<std::string>& commands);

/// The first word of `argv` that is not an option (nor the value of `-C`), or "" — the word a
/// user meant as the command.
std::string typed_command(int argc, char** argv);

}  // namespace anneal::cli
