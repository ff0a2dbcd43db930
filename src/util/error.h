// util: support code every area shares — errors as values, files, text helpers.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace anneal {

/// An expected failure, as one message that says what went wrong, where
/// (file:line:col, node key, command) and, where it helps, what to do.
struct Error {
  std::string message;
};

/// The value or the failure of an operation that can fail for expected reasons.
template <class T>
using Result = std::expected<T, Error>;

/// Shorthand for returning a failure: `return fail("cannot open {}", path)`.
inline std::unexpected<Error> fail(std::string message) {
  return std::unexpected(Error{std::move(message)});
}

}  // namespace anneal
