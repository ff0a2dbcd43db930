#include "graph/diagnostic.h"

#include <catch2/catch.hpp>

using namespace anneal::graph;

TEST_CASE("a diagnostic names the file, line and column", "[annealfile]") {
  const std::string text = "a: 1\n  b: two\n";
  SECTION("plain") {
    CHECK(format_diagnostic("Annealfile", text, {{2, 6}, "bad"}, false) ==
          "Annealfile:2:6: error: bad");
  }
  SECTION("with the source line and a caret under the column") {
    CHECK(format_diagnostic("dir/Annealfile", text, {{2, 6}, "bad"}, true) ==
          "dir/Annealfile:2:6: error: bad\n"
          "    2 |   b: two\n"
          "      |      ^");
  }
  SECTION("without a position") {
    CHECK(format_diagnostic("Annealfile", text, {{0, 0}, "gone"}, true) ==
          "Annealfile: error: gone");
  }
  SECTION("a position past the end prints no source line") {
    CHECK(format_diagnostic("Annealfile", text, {{9, 1}, "late"}, true) ==
          "Annealfile:9:1: error: late");
  }
}

TEST_CASE("the caret keeps tabs so it lines up", "[annealfile]") {
  CHECK(format_diagnostic("f", "\tx: [y\r\n", {{1, 6}, "bad"}, true) ==
        "f:1:6: error: bad\n"
        "    1 | \tx: [y\n"
        "      | \t    ^");
}

TEST_CASE("several diagnostics come sorted by position, without repeats", "[annealfile]") {
  std::vector<Diagnostic> diagnostics = {
      {{3, 1}, "third"}, {{1, 5}, "second"}, {{1, 2}, "first"}, {{3, 1}, "third"}};
  CHECK(format_diagnostics("A", "", diagnostics, false) ==
        "A:1:2: error: first\nA:1:5: error: second\nA:3:1: error: third");
}
