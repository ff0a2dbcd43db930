#include "nodes/tune_pattern.h"

#include <catch2/catch.hpp>

using namespace anneal::nodes;

namespace {

std::string captured(const TunePattern& pattern, const std::string& text) {
  auto found = pattern.matches(text);
  REQUIRE(found.size() == 1);
  REQUIRE(found[0]);
  return text.substr(found[0]->offset, found[0]->length);
}

}  // namespace

TEST_CASE("a tune pattern finds its number on a 50,000-character line", "[nodes]") {
  // std::regex recursed once per character here and took the node down with SIGSEGV.
  std::string text = "# tuning\n" + std::string(50'000, 'x') + " threads = 12\nratio = 1\n";
  auto pattern = TunePattern::compile("^.*threads = ([0-9]+)");
  REQUIRE(pattern);
  auto found = pattern->matches(text);
  REQUIRE(found.size() == 1);
  REQUIRE(found[0]);
  CHECK(found[0]->offset == 9 + 50'000 + 11);
  CHECK(text.substr(found[0]->offset, found[0]->length) == "12");
}

TEST_CASE("a tune pattern's ^ and $ match at line boundaries", "[nodes]") {
  auto pattern = TunePattern::compile("^b = ([0-9]+)$");
  REQUIRE(pattern);
  CHECK(captured(*pattern, "a = 1\nb = 2\nbb = 3\n") == "2");
  CHECK(pattern->matches("a = 1\nb = 2 # no\n").empty());
}

TEST_CASE("a tune pattern counts every match, and empty ones end", "[nodes]") {
  auto twice = TunePattern::compile("= ([0-9]+)");
  REQUIRE(twice);
  CHECK(twice->matches("a = 1\nb = 2\n").size() == 2);
  auto empty = TunePattern::compile("([0-9]*)");
  REQUIRE(empty);
  CHECK(empty->matches("ab").size() == 3);
  auto optional = TunePattern::compile("x(y)?");
  REQUIRE(optional);
  auto found = optional->matches("x");
  REQUIRE(found.size() == 1);
  CHECK_FALSE(found[0]);
}

TEST_CASE("a tune pattern that RE2 cannot compile says why", "[nodes]") {
  SECTION("unbalanced") {
    auto pattern = TunePattern::compile("x = ([0-9]+");
    REQUIRE_FALSE(pattern);
    CHECK(pattern.error().message == "is not a valid RE2 regular expression: missing ): x = ([0-9]+");
  }
  SECTION("lookahead, which RE2 does not have") {
    auto pattern = TunePattern::compile("x = (?=1)([0-9]+)");
    REQUIRE_FALSE(pattern);
    CHECK(pattern.error().message == "is not a valid RE2 regular expression: invalid perl operator: (?=");
  }
  SECTION("capture groups") {
    auto none = TunePattern::compile("x = [0-9]+");
    REQUIRE_FALSE(none);
    CHECK(none.error().message == "must have exactly one capture group (the number); it has 0");
    auto two = TunePattern::compile("(x) = ([0-9]+)");
    REQUIRE_FALSE(two);
    CHECK(two.error().message == "must have exactly one capture group (the number); it has 2");
    CHECK(TunePattern::compile("(?:x|y) = ([0-9]+)"));
  }
}
