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

/// Whether write_file_atomic waits for the data to reach the disk. Files whose corruption
/// is detected anyway (checksummed cache entries, specs checked against their key) skip it:
/// a crash of the process still leaves the old or the new file, and only a power loss can
/// leave a damaged one, which readers then treat as missing.
enum class Durability { Synced, Unsynced };

/// Writes `contents` to a temporary file beside `path`, fsyncs it and renames it into
/// place, so a reader sees the old or the new contents, never a mix. Creates parents.
Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view contents,
                               Durability durability = Durability::Synced);

/// Creates a directory and its parents; an existing directory is fine.
Result<void> make_dirs(const std::filesystem::path& path);

/// `text` without the line ending and trailing spaces of a one-line file (a `.git` file's
/// "gitdir: …", HEAD, commondir).
std::string trim_line_end(std::string text);

}  // namespace anneal
