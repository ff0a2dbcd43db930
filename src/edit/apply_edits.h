// edit: applying an api agent's edit blocks to a worktree, all or nothing.
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
  int line = 0;        ///< the edit's line in the reply (Edit::line), 0 when unknown
};

/// What applying a reply's edits did.
struct ApplyOutcome {
  std::vector<std::string> written;   ///< paths written, relative to root, first-written order
  std::vector<EditFailure> failures;  ///< every edit that could not be applied
  bool ok() const { return failures.empty(); }
  /// The failures, one per line: "edit 2 (src/a.py, reply line 14): the SEARCH text ...".
  std::string describe_failures() const;
};

/// Applies `edits` in order to the files under `root` (a later edit sees the earlier ones).
/// All or nothing: when any edit fails, no file is written and every failure is listed.
/// Paths that are absolute, contain "..", point into `.git` or resolve outside `root` fail
/// without touching anything. An Error means an I/O failure, not a bad edit.
Result<ApplyOutcome> apply_edits(const std::filesystem::path& root, const std::vector<Edit>& edits,
                                 const ApplyLimits& limits = {});

}  // namespace anneal::edit
