#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace re2 {
class RE2;
}

namespace anneal::nodes {

/// Where a pattern's capture group landed in a text: byte offset and length.
struct TuneCapture {
  size_t offset = 0;
  size_t length = 0;
};

/// A tune parameter's pattern, compiled with RE2: matching is linear in the text (no
/// backtracking, no recursion), so a long line or a pathological pattern in an Annealfile
/// cannot stall or crash a node. The syntax is RE2's (Perl-like, without lookaround or
/// backreferences); `^` and `$` match at line boundaries, as users of config files expect.
class TunePattern {
 public:
  /// Compiles `pattern`. Fails, with a message that reads after "pattern 'P' ", when it is
  /// not a valid expression ("is not a valid RE2 regular expression: missing ): x = ([0-9]+")
  /// or does not have exactly one capture group.
  static Result<TunePattern> compile(std::string_view pattern);

  /// Every non-overlapping match in `text`, in order: the capture group's place, or nullopt
  /// where the pattern matched without its group taking part.
  std::vector<std::optional<TuneCapture>> matches(std::string_view text) const;

 private:
  explicit TunePattern(std::shared_ptr<const re2::RE2> re) : m_re(std::move(re)) {}
  std::shared_ptr<const re2::RE2> m_re;  ///< shared: compiled once, copied with the parameter
};

}  // namespace anneal::nodes
