// Checks against the repository before a build's first experiment: what the Annealfile names
// must be there, so a mistake fails `anneal build` (and `-n`) at once, naming the Annealfile's
// line, instead of crashing every experiment.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "git/repository.h"
#include "graph/annealfile.h"
#include "util/error.h"

namespace anneal::graph {

/// The program a shell command runs first, when the command starts with a plain word: after
/// any `NAME=value` assignments, a word without quotes, `$`, globs, `~` or backslashes, that
/// is not a shell keyword or builtin (`cd`, `exec`, `if`, …) and does not define a function.
/// nullopt when the command starts any other way: then nothing can be said before it runs.
std::optional<std::string> command_program(std::string_view run);

/// Checks `targets` of `file` against the repository: candidates are built from HEAD, so the
/// files they use must be in HEAD's tree; judge samples are read from the working tree at
/// `repo.workdir()`. Reports, at the Annealfile position of the value:
///   - a command agent whose program (command_program()) is neither on PATH nor a file in
///     the repository at HEAD;
///   - a tune parameter whose file is not in HEAD, or whose pattern does not match there
///     exactly once around a number (nodes::tune_value); targets with `needs` start from
///     another target's incumbent and are not checked;
///   - a judge `samples` or `held_out` glob that matches no file.
/// Fails with every problem as "PATH:LINE:COL: error: MESSAGE" lines (`caret`: with the
/// source line and a caret under the column).
Result<void> preflight(const Annealfile& file, const std::vector<const Target*>& targets, git::Repository& repo,
                       bool caret);

}  // namespace anneal::graph
