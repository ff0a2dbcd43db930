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

/// Brings a candidate into the user's current branch — the only place anneal touches the
/// user's checkout, and only when asked. When HEAD is an ancestor of `commit`, a
/// fast-forward; otherwise the change from `base` to `commit` is applied to HEAD and
/// committed with the user's identity and `message`. Refuses when tracked files have
/// uncommitted changes, and when HEAD already contains the change.
Result<Applied> bring_into_head(Repository& repo, std::string_view base, std::string_view commit,
                                std::string_view message);

}  // namespace anneal::git
