#include "git/identity.h"

#include <git2.h>

#include <fmt/format.h>

#include "git/handle.h"

namespace anneal::git {

Result<std::string> user_identity(const Repository& repo) {
  git_signature* raw = nullptr;
  if (git_signature_default(&raw, repo.raw()) != 0) {
    git_error_clear();
    return fail("git does not know who you are: set it with `git config user.name \"Your Name\"` and "
                "`git config user.email you@example.com`, so the ledger can say who decided");
  }
  SignatureHandle who(raw);
  return fmt::format("{} <{}>", who->name, who->email);
}

}  // namespace anneal::git
