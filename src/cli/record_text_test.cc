#include "cli/record_text.h"

#include <catch2/catch.hpp>

using namespace anneal::cli;

TEST_CASE("untrusted text prints on one line with no control characters", "[cli]") {
  CHECK(one_line("  first\nsecond\t\tthird \r\n") == "first second third");
  CHECK(one_line("\033[2J\033]0;title\007red") == "[2J ]0;title red");
  CHECK(one_line("a\xc2\x9b" "31mb") == "a 31mb");        // C1 CSI
  CHECK(one_line("caf\xc3\xa9 \xc2\xa0ok") == "caf\xc3\xa9 \xc2\xa0ok");  // é and a no-break space stay
  CHECK(one_line("\x7f") == "");
}

TEST_CASE("text is cut by columns, never inside a UTF-8 sequence", "[cli]") {
  CHECK(display_width("caf\xc3\xa9") == 4);
  CHECK(truncate_display("abcdef", 6) == "abcdef");
  CHECK(truncate_display("abcdefg", 6) == "abcde…");
  CHECK(truncate_display("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3) == "\xc3\xa9\xc3\xa9…");
  CHECK(display_width(truncate_display(std::string(100, 'x'), 20)) == 20);
  CHECK(seconds_text(0.0303) == "0.03");
  CHECK(seconds_text(12.44) == "12.4");
  CHECK(seconds_text(153.7) == "154");
}
