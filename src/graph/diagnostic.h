// Diagnostics: error messages that name the file, line and column, clang-style.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "graph/annealfile.h"

namespace anneal::graph {

/// One problem in a file: where it is and what is wrong (no "error:" prefix, no path).
struct Diagnostic {
  SourceLoc loc;  ///< line 0 means "the whole file": no position is printed
  std::string message;
};

/// "PATH:LINE:COL: error: MESSAGE". With `caret`, followed by the source line from `text`
/// and a caret under the column:
///
///     Annealfile:12:14: error: unknown agent 'codr' (known: coder, tuner)
///        12 |       agent: codr
///           |              ^
std::string format_diagnostic(const std::filesystem::path& path, std::string_view text,
                              const Diagnostic& diagnostic, bool caret);

/// All of `diagnostics`, sorted by position, duplicates dropped, one per line (no trailing
/// newline).
std::string format_diagnostics(const std::filesystem::path& path, std::string_view text,
                               std::vector<Diagnostic> diagnostics, bool caret);

}  // namespace anneal::graph
