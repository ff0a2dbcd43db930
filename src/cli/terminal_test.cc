#include "cli/terminal.h"

#include <catch2/catch.hpp>

using namespace anneal::cli;

TEST_CASE("someone else's text reaches a terminal with its control characters in caret notation", "[cli][terminal]") {
  CHECK(visible("plain text\tand a tab\n") == "plain text\tand a tab\n");
  // Clear the screen, retitle the window, ring the bell: shown, not done.
  CHECK(visible("\033[2J\033]0;pwned\007ok") == "^[[2J^[]0;pwned^Gok");
  CHECK(visible("50%\r100%") == "50%^M100%");  // a line cannot overwrite itself
  CHECK(visible("\x7f") == "^?");
  CHECK(visible(std::string("nul\0byte", 8)) == "nul^@byte");
  CHECK(visible("a\xc2\x9b" "31mb") == "a<U+009B>31mb");  // C1 CSI, as UTF-8
  CHECK(visible("caf\xc3\xa9 \xc2\xa0ok") == "caf\xc3\xa9 \xc2\xa0ok");  // é and a no-break space stay
}
