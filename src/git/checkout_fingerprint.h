// git: a cheap fingerprint of the user's checkout — what `git status` consults — taken
// before an agent runs and compared after it, with copies to put back what the agent changed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"

namespace anneal::git {

/// How the guard left one path of the user's checkout that changed while an agent ran.
struct CheckoutChange {
  std::string path;    ///< relative to the checkout
  std::string reason;  ///< what happened and what was done ("changed; put back, …")
};

/// What `git status` would look at: the stat data (mode, size, mtime, ctime, inode) of every
/// tracked file named by the index, and of every untracked file that is not ignored (the walk
/// skips `.git`, ignored folders and the folders in `skip`, e.g. .anneal/). Cost: one lstat
/// per tracked file, one readdir per folder that is not ignored, an ignore check per untracked
/// path — no file is read, except the bytes kept to put files back:
///
///   a tracked file whose stat data matches its index entry: its bytes are the index's blob
///   (nothing is copied); a tracked file with uncommitted edits, or an untracked one: copied
///   when at most 1 MiB, up to 16 MiB in all.
///
/// restore() never loses bytes: what the agent left in a changed or new file is moved into
/// `aside` first, then the file is put back from the blob or the copy. A file with no copy
/// (larger than the budget) is reported and left as the agent left it.
class CheckoutFingerprint {
 public:
  static Result<CheckoutFingerprint> take(const std::filesystem::path& workdir,
                                          const std::vector<std::filesystem::path>& skip);

  /// The paths whose stat data changed, appeared or disappeared, each put back where a blob
  /// or copy of it exists (what was there after the agent goes into `aside`).
  Result<std::vector<CheckoutChange>> restore(const std::filesystem::path& aside);

  size_t files() const { return m_files.size(); }

 private:
  struct Stat {
    mode_t mode = 0;
    off_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    ino_t ino = 0;
    bool operator==(const Stat&) const = default;
  };
  struct Entry {
    Stat stat;
    std::string blob;                  ///< the index's blob id, when the file matched it
    std::optional<std::string> bytes;  ///< a copy, when it did not
  };
  /// One walk: what is there, which tracked files match their index entry (by blob id),
  /// and the repository it opened (for the blobs).
  struct Scan;
  CheckoutFingerprint() = default;
  Result<Scan> scan() const;

  std::filesystem::path m_workdir;
  std::vector<std::filesystem::path> m_skip;
  std::map<std::string, Entry> m_files;
};

}  // namespace anneal::git
