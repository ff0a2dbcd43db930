#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.h"

namespace anneal {

// A line-oriented file that several processes append to at once (the spend log, the
// learning pool). Each line is written whole, with one write(2) under an exclusive flock on an
// O_APPEND descriptor, so writers never interleave; a line a killed writer left without its
// newline is closed first, so the torn line stays alone and the new one stays whole.

/// Appends `line` (without its newline) to `file`, creating the file and its folders.
Result<void> append_line_locked(const std::filesystem::path& file, std::string_view line);

/// The whole of `file`, read under a shared flock; nullopt when it does not exist.
Result<std::optional<std::string>> read_locked(const std::filesystem::path& file);

}  // namespace anneal
