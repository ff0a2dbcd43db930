#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.h"

namespace anneal {

/// Reads a whole file. A missing file is an error naming the path.
Result<std::string> read_file(const std::filesystem::path& path);

/// Reads a whole file, or nullopt when it does not exist or cannot be read.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path);

/// Writes `contents` to a temporary file beside `path`, fsyncs it and renames it into
/// place, so a reader sees the old or the new contents, never a mix. Creates parents.
Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view contents);

/// Creates a directory and its parents; an existing directory is fine.
Result<void> make_dirs(const std::filesystem::path& path);

}  // namespace anneal
