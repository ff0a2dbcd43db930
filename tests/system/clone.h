// A fresh `git clone` of a test repository: another machine's checkout, with no .anneal/.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "harness.h"

namespace anneal::system_test {

/// A fresh `git clone` of `origin`, in a TempRepo of its own (so it is cleaned up).
inline std::unique_ptr<TempRepo> clone_of(const TempRepo& origin) {
  auto clone = std::make_unique<TempRepo>();
  Outcome o = clone->run("rm -rf .git && git clone -q '" + origin.path().string() +
                         "' . && git config user.name 'anneal test' && git config user.email test@anneal.invalid");
  if (o.status != 0)
    throw std::runtime_error("git clone failed: " + o.err);
  return clone;
}

}  // namespace anneal::system_test
