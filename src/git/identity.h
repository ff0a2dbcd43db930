// Who the user is to git: the identity an approval is recorded under.
#pragma once

#include <string>

#include "git/repository.h"
#include "util/error.h"

namespace anneal::git {

/// "NAME <EMAIL>" from the repository's configuration (user.name and user.email, the
/// repository's own over the global ones), as git would sign a commit; fails saying how to
/// set them when either is missing.
Result<std::string> user_identity(const Repository& repo);

}  // namespace anneal::git
