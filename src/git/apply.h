#pragma once

#include <string>
#include <string_view>

#include "git/repository.h"
#include "util/error.h"

namespace anneal::git {

/// What bring_into_head did.
struct Applied {
  bool fast_forward = false;
  ObjectId commit;  ///< the user's new HEAD
};

enum class ApplyMode {
  /// One commit on top of HEAD, in the user's name (their git identity, like `git commit`),
  /// holding the change from `base` to the candidate.
  OneCommit,
  /// The chain of candidates: HEAD is fast-forwarded to the candidate (HEAD must be an
  /// ancestor of it).
  KeepHistory,
};

/// Brings a candidate into the user's current branch — the only place anneal touches the
/// user's checkout, and only when asked. Refuses, naming them, when files it would write have
/// uncommitted changes (other files may), and when HEAD already contains the change.
Result<Applied> bring_into_head(Repository& repo, std::string_view base, std::string_view commit,
                                std::string_view message, ApplyMode mode = ApplyMode::OneCommit);

}  // namespace anneal::git
