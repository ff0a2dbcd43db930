#include "cli/markup_text.h"

#include <catch2/catch.hpp>

using namespace anneal::cli;

TEST_CASE("html_escape leaves no markup and no control characters", "[cli]") {
  CHECK(html_escape(R"(<a href="x" onclick='y'>&amp;</a>)") ==
        "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
  CHECK(html_escape("line\n\ttab\x01\x1b[31m") == "line\n\ttab[31m");
}

TEST_CASE("markdown_text cannot break a table, add markup or mention anyone", "[cli]") {
  CHECK(markdown_text("a | b") == "a \\| b");
  CHECK(markdown_text("*x* _y_ [l](u) ~s~ `c` \\") == "\\*x\\* \\_y\\_ \\[l\\](u) \\~s\\~ \\`c\\` \\\\");
  CHECK(markdown_text("<img src=x> & @org/team") == "&lt;img src=x&gt; &amp; @&#8203;org/team");
  CHECK(markdown_text("two\nlines") == "two lines");
}

TEST_CASE("markdown_code_block's fence outlasts any backticks inside", "[cli]") {
  CHECK(markdown_code_block("+x\n", "diff") == "```diff\n+x\n```\n");
  CHECK(markdown_code_block("a ```` b", "") == "`````\na ```` b\n`````\n");
}
