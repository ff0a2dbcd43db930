#include "edit/edit_reply.h"

#include <string>

#include <fmt/format.h>
#include <catch2/catch.hpp>

using anneal::edit::Edit;
using anneal::edit::parse_edit_reply;

namespace {

/// The parse error's message, or a marker that the reply unexpectedly parsed.
std::string error_of(std::string_view reply) {
  auto parsed = parse_edit_reply(reply);
  return parsed ? std::string("(parsed)") : parsed.error().message;
}

}  // namespace

TEST_CASE("parse_edit_reply reads the hypothesis and a SEARCH/REPLACE block", "[edit]") {
  auto reply = parse_edit_reply(
      "Hypothesis: a larger buffer halves the syscalls\n"
      "\n"
      "src/io.py\n"
      "<<<<<<< SEARCH\n"
      "BUF = 4096\n"
      "=======\n"
      "BUF = 65536\n"
      ">>>>>>> REPLACE\n");
  REQUIRE(reply);
  CHECK(reply->hypothesis == "a larger buffer halves the syscalls");
  REQUIRE(reply->edits.size() == 1);
  const Edit& edit = reply->edits[0];
  CHECK(edit.kind == Edit::Kind::Replace);
  CHECK(edit.path == "src/io.py");
  CHECK(edit.search == "BUF = 4096\n");
  CHECK(edit.replace == "BUF = 65536\n");
  CHECK(edit.line == 4);
}

TEST_CASE("parse_edit_reply finds the hypothesis in the forms models write", "[edit]") {
  std::string block = "a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n";
  SECTION("after blank lines") {
    CHECK(parse_edit_reply("\n\n  Hypothesis: fewer copies\n" + block)->hypothesis == "fewer copies");
  }
  SECTION("in bold") {
    CHECK(parse_edit_reply("**Hypothesis:** fewer copies\n" + block)->hypothesis == "fewer copies");
    CHECK(parse_edit_reply("**Hypothesis**: fewer copies\n" + block)->hypothesis == "fewer copies");
  }
  SECTION("as a heading, after some prose") {
    CHECK(parse_edit_reply("I looked at the loop.\n## hypothesis: fewer copies\n" + block)->hypothesis ==
          "fewer copies");
  }
  SECTION("on the line after the word") {
    CHECK(parse_edit_reply("Hypothesis:\nfewer copies\n\n" + block)->hypothesis == "fewer copies");
  }
  SECTION("missing") {
    auto reply = parse_edit_reply(block);
    REQUIRE(reply);
    CHECK(reply->hypothesis.empty());
  }
  SECTION("only the one before the first block counts") {
    auto reply = parse_edit_reply(block + "Hypothesis: later\n");
    REQUIRE(reply);
    CHECK(reply->hypothesis.empty());
  }
}

TEST_CASE("parse_edit_reply keeps several blocks in order, also for one file", "[edit]") {
  auto reply = parse_edit_reply(
      "Hypothesis: h\n"
      "a.py\n"
      "<<<<<<< SEARCH\n"
      "one\n"
      "=======\n"
      "uno\n"
      ">>>>>>> REPLACE\n"
      "\n"
      "b/c.py\n"
      "<<<<<<< SEARCH\n"
      "two\n"
      "three\n"
      "=======\n"
      ">>>>>>> REPLACE\n"
      "a.py\n"
      "<<<<<<< SEARCH\n"
      "four\n"
      "=======\n"
      "cuatro\n"
      ">>>>>>> REPLACE\n"
      "<<<<<<< SEARCH\n"
      "five\n"
      "=======\n"
      "cinco\n"
      ">>>>>>> REPLACE\n");
  REQUIRE(reply);
  REQUIRE(reply->edits.size() == 4);
  CHECK(reply->edits[0].path == "a.py");
  CHECK(reply->edits[1].path == "b/c.py");
  CHECK(reply->edits[1].search == "two\nthree\n");
  CHECK(reply->edits[1].replace.empty());
  CHECK(reply->edits[2].path == "a.py");
  CHECK(reply->edits[2].search == "four\n");
  // A block right after another one, without a path line of its own, edits the same file.
  CHECK(reply->edits[3].path == "a.py");
  CHECK(reply->edits[3].replace == "cinco\n");
  CHECK(reply->edits[3].line == 21);
}

TEST_CASE("parse_edit_reply accepts decorated paths, fences and marker lengths", "[edit]") {
  auto only_edit = [](const std::string& text) {
    auto reply = parse_edit_reply(text);
    REQUIRE(reply);
    REQUIRE(reply->edits.size() == 1);
    return reply->edits[0];
  };
  SECTION("path in backticks, bold or after a heading mark") {
    for (std::string path_line :
         {"`src/a.py`", "**src/a.py**", "### src/a.py", "* `src/a.py`:", "File: src/a.py"}) {
      CAPTURE(path_line);
      CHECK(only_edit(path_line + "\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n").path == "src/a.py");
    }
  }
  SECTION("path before the fence") {
    Edit edit = only_edit(
        "Hypothesis: h\nsrc/a.py\n```python\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```\n");
    CHECK(edit.kind == Edit::Kind::Replace);
    CHECK(edit.path == "src/a.py");
    CHECK(edit.search == "x\n");
    CHECK(edit.replace == "y\n");
  }
  SECTION("path inside the fence") {
    Edit edit = only_edit(
        "Hypothesis: h\n```python\nsrc/a.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```\n");
    CHECK(edit.path == "src/a.py");
    CHECK(edit.search == "x\n");
  }
  SECTION("5 and 9 marker characters") {
    Edit edit = only_edit("a.py\n<<<<< SEARCH\nx\n=========\ny\n>>>>>>>>> REPLACE\n");
    CHECK(edit.search == "x\n");
    CHECK(edit.replace == "y\n");
  }
  SECTION("CRLF reply") {
    Edit edit =
        only_edit("Hypothesis: h\r\na.py\r\n<<<<<<< SEARCH\r\nx\r\n=======\r\ny\r\n>>>>>>> REPLACE\r\n");
    CHECK(edit.path == "a.py");
    CHECK(edit.search == "x\n");
    CHECK(edit.replace == "y\n");
  }
  SECTION("empty SEARCH") {
    Edit edit = only_edit("new/file.py\n<<<<<<< SEARCH\n=======\nprint(1)\n>>>>>>> REPLACE");
    CHECK(edit.search.empty());
    CHECK(edit.replace == "print(1)\n");
  }
}

TEST_CASE("parse_edit_reply reads a fenced whole-file replacement", "[edit]") {
  auto reply = parse_edit_reply(
      "Hypothesis: simpler\n"
      "Here is the new file:\n"
      "src/small.py\n"
      "```python\n"
      "def f():\n"
      "    return 1\n"
      "```\n"
      "And an example of calling it, which is not an edit:\n"
      "```\n"
      "f()\n"
      "```\n");
  REQUIRE(reply);
  REQUIRE(reply->edits.size() == 1);
  CHECK(reply->edits[0].kind == Edit::Kind::WholeFile);
  CHECK(reply->edits[0].path == "src/small.py");
  CHECK(reply->edits[0].replace == "def f():\n    return 1\n");
  CHECK(reply->edits[0].line == 3);

  SECTION("a word before a fence is not a file") {
    CHECK(error_of("Example:\n```\nf()\n```\n").starts_with("the reply has no edit blocks"));
    CHECK(error_of("`f()`\n```\nf()\n```\n").starts_with("the reply has no edit blocks"));
  }
  SECTION("a Makefile") {
    auto make = parse_edit_reply("Makefile\n```make\nall:\n\ttrue\n```\n");
    REQUIRE(make);
    CHECK(make->edits[0].replace == "all:\n\ttrue\n");
  }
}

TEST_CASE("parse_edit_reply says what is wrong and on which line", "[edit]") {
  CHECK(error_of("Hypothesis: h\nI would change the loop.\n") ==
        "the reply has no edit blocks; expected a line with the file's path, then <<<<<<< SEARCH, the exact "
        "old lines, =======, the new lines, >>>>>>> REPLACE");
  CHECK(error_of("Hypothesis: h\na.py\n<<<<<<< SEARCH\nx\n") ==
        "reply line 3: <<<<<<< SEARCH has no ======= line after it");
  CHECK(error_of("a.py\n<<<<<<< SEARCH\nx\n>>>>>>> REPLACE\n") ==
        "reply line 2: <<<<<<< SEARCH has no ======= line before line 4");
  CHECK(error_of("a.py\n<<<<<<< SEARCH\nx\n=======\ny\n") ==
        "reply line 4: ======= has no >>>>>>> REPLACE line after it");
  CHECK(
      error_of("a.py\n<<<<<<< SEARCH\nx\n=======\ny\nb.py\n<<<<<<< SEARCH\nz\n=======\n>>>>>>> REPLACE\n") ==
      "reply line 4: ======= has no >>>>>>> REPLACE line before line 7");
  CHECK(error_of("\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n") ==
        "reply line 2: <<<<<<< SEARCH has no file path on the line above it");
  CHECK(error_of(
            "Hypothesis: h\nChange the loop like this:\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n") ==
        "reply line 3: the line above <<<<<<< SEARCH must be the file's path, not 'Change the loop like "
        "this:'");
  CHECK(error_of("a.py\nx\n=======\ny\n>>>>>>> REPLACE\n") ==
        "reply line 5: >>>>>>> REPLACE without a <<<<<<< SEARCH and ======= before it");
  CHECK(error_of("a.py\n```python\nx = 1\n") == "reply line 2: the fenced block for a.py has no closing ```");
  CHECK(error_of("a.py\n<<<<<<< search\nx\n=======\ny\n>>>>>>> replace\n")
            .starts_with("the reply has no edit blocks"));
}

// Its speed is a figure of bench_prompt_assembly, not a timed check that flakes under load.
TEST_CASE("parse_edit_reply reads a 100 KB reply of a thousand blocks", "[edit]") {
  std::string reply = "Hypothesis: many small changes\n";
  for (int i = 0; reply.size() < 100 * 1024; ++i)
    reply += fmt::format(
        "src/f{}.py\n```python\n<<<<<<< SEARCH\nx{} = 1\n    y = 2\n=======\nx{} = 3\n    y = 4\n"
        ">>>>>>> REPLACE\n```\n\n",
        i % 7, i, i);
  auto parsed = parse_edit_reply(reply);
  REQUIRE(parsed);
  CHECK(parsed->edits.size() > 1000);
  CHECK(parsed->edits.back().search.starts_with("x"));
  CHECK(parsed->edits.back().search.ends_with("\n    y = 2\n"));
  CHECK(parsed->edits[7].path == "src/f0.py");
}
