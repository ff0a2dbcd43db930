#include "util/shell_word.h"

#include <catch2/catch.hpp>

#include <cstdio>

#include <sys/wait.h>

namespace anneal {

namespace {

/// What sh makes of `line`: its words, one per line.
std::string words_as_sh_reads_them(const std::string& line) {
  std::string command = "for w in " + line + "; do printf '%s\\n' \"$w\"; done";
  FILE* pipe = ::popen(("sh -c " + shell_word(command)).c_str(), "r");
  REQUIRE(pipe);
  std::string out;
  char buffer[256];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
    out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

}  // namespace

TEST_CASE("sh reads each quoted word back as it was", "[util][shell]") {
  CHECK(shell_word("--job-name=anneal:t#2:score.0") == "--job-name=anneal:t#2:score.0");
  CHECK(shell_word("") == "''");
  CHECK(words_as_sh_reads_them(shell_words({"a b", "it's", "$HOME", "#x", "*", "--mem=4G"})) ==
        "a b\nit's\n$HOME\n#x\n*\n--mem=4G\n");
}

}  // namespace anneal
