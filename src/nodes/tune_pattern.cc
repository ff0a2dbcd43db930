#include "nodes/tune_pattern.h"

#include <re2/re2.h>

#include <fmt/format.h>

namespace anneal::nodes {

Result<TunePattern> TunePattern::compile(std::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  // A leading (?m) flag makes `^` and `$` match at line boundaries; unlike a group around
  // the pattern, it cannot pair with the user's parentheses.
  std::string flagged = fmt::format("(?m){}", pattern);
  auto re = std::make_shared<const RE2>(flagged, options);
  if (!re->ok()) {
    // RE2 quotes the pattern it compiled; the user wrote it without the flag.
    std::string reason = re->error();
    if (size_t at = reason.find(flagged); at != std::string::npos)
      reason.replace(at, flagged.size(), pattern);
    return fail("is not a valid RE2 regular expression: " + reason);
  }
  int groups = re->NumberOfCapturingGroups();
  if (groups != 1)
    return fail(fmt::format("must have exactly one capture group (the number); it has {}",
                            groups));
  return TunePattern(std::move(re));
}

std::vector<std::optional<TuneCapture>> TunePattern::matches(std::string_view text) const {
  std::vector<std::optional<TuneCapture>> found;
  re2::StringPiece whole(text.data(), text.size());
  re2::StringPiece groups[2];
  size_t start = 0;
  while (start <= text.size() &&
         m_re->Match(whole, start, text.size(), RE2::UNANCHORED, groups, 2)) {
    if (groups[1].data() != nullptr)
      found.push_back(TuneCapture{static_cast<size_t>(groups[1].data() - text.data()),
                                  groups[1].size()});
    else
      found.push_back(std::nullopt);
    size_t end = static_cast<size_t>(groups[0].data() - text.data()) + groups[0].size();
    // An empty match would be found again at the same place: step past it.
    start = groups[0].empty() ? end + 1 : end;
  }
  return found;
}

}  // namespace anneal::nodes
