#include "util/yaml_aliases.h"

#include <string>

#include <catch2/catch.hpp>

#include "alias_bomb.h"

using anneal::check_yaml_aliases;

using anneal::testing::alias_bomb_column;
using anneal::testing::alias_bomb_items;
using anneal::testing::k_alias_bomb_line;

TEST_CASE("YAML with ordinary aliases passes the alias check", "[util]") {
  CHECK_FALSE(check_yaml_aliases("agents:\n  a: &coder {kind: command, run: x}\n  b: *coder\n"
                                 "base: &base {x: 1, y: [1, 2]}\nmerged: {<<: *base, z: 3}\n"));
  CHECK_FALSE(check_yaml_aliases("a: 1\n---\nb: &x 2\nc: *x\n"));
  CHECK_FALSE(check_yaml_aliases(""));
}

TEST_CASE("an alias bomb is refused at the alias that crosses the budget", "[util]") {
  auto problem = check_yaml_aliases("laughs:\n" + alias_bomb_items(2));
  REQUIRE(problem);
  CHECK(problem->line == 1 + k_alias_bomb_line);
  CHECK(problem->column == alias_bomb_column(2));
  CHECK(problem->message ==
        "alias '*d' brings the nodes reached through aliases past 10000; anneal refuses YAML "
        "that expands this far (an alias bomb?)");
}

TEST_CASE("the alias budget counts every node an alias brings in", "[util]") {
  // *x brings 4 nodes (the list and its three items) each time.
  std::string text = "x: &x [1, 2, 3]\ny: [*x, *x]\n";
  CHECK_FALSE(check_yaml_aliases(text, 8));
  auto problem = check_yaml_aliases(text, 7);
  REQUIRE(problem);
  CHECK(problem->line == 2);
  CHECK(problem->column == 9);
  CHECK_FALSE(check_yaml_aliases("x: &x 1\ny: [*x, *x, *x]\n", 3));
  CHECK(check_yaml_aliases("x: &x 1\ny: [*x, *x, *x, *x]\n", 3));
}

TEST_CASE("an alias inside the node it names is refused as a cycle", "[util]") {
  auto problem = check_yaml_aliases("a: &loop\n  b: *loop\n");
  REQUIRE(problem);
  CHECK(problem->line == 2);
  CHECK(problem->column == 6);
  CHECK(problem->message ==
        "alias '*loop' refers to a node that contains it; YAML aliases must not form a cycle");
}

TEST_CASE("YAML the parser rejects is left to YAML::Load's error", "[util]") {
  CHECK_FALSE(check_yaml_aliases("a: [1, 2\n"));
  CHECK_FALSE(check_yaml_aliases("a: *undefined\n"));
}
