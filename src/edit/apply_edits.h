#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "edit/edit_reply.h"
#include "util/error.h"

namespace anneal::edit {

struct ApplyLimits {
  /// A whole-file replacement is accepted for new files and files up to this size; larger
  /// files must be edited with SEARCH/REPLACE blocks (the model cannot be trusted to
  /// reproduce them whole).
  size_t whole_file_max_bytes = 16 * 1024;
};

/// Why one edit could not be applied.
struct EditFailure {
  size_t index = 0;  ///< 0-based position in the reply's edits
  std::string path;
  std::string reason;  ///< "the SEARCH text matches 3 times; include more lines to make it unique"
};

/// Applies `edits` in order to the files under `root` (a later edit sees the earlier ones).
/// All or nothing: when any edit fails, no file is written and every failure is returned
/// (the message of the Error lists them, one per line). Paths that are absolute, contain
/// "..", point into `.git` or resolve outside `root` fail without touching anything.
/// On success returns the paths written, relative to `root`, in first-written order.
Result<std::vector<std::string>> apply_edits(const std::filesystem::path& root, const std::vector<Edit>& edits,
                                             const ApplyLimits& limits = {});

/// The failures of the last attempt, when apply_edits returned an Error because edits did not
/// apply (as opposed to an I/O error); the same text as the Error message, structured.
std::vector<EditFailure> check_edits(const std::filesystem::path& root, const std::vector<Edit>& edits,
                                     const ApplyLimits& limits = {});

}  // namespace anneal::edit
