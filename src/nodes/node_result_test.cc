#include <catch2/catch.hpp>

#include "nodes/node_result.h"
#include "nodes/node_spec.h"

using namespace anneal::nodes;

TEST_CASE("an action result round-trips through its stored form", "[nodes]") {
  NodeResult r;
  r.outcome = Outcome::Blocked;
  r.detail = "1 path(s) outside the scope";
  r.exit_code = 0;
  r.score = 41.5;
  r.samples = {41, 41.5, 42};
  r.blobs = {{"stdout", "00112233445566778899aabbccddeeff"}};
  r.violations = {{"tests/x.py", "immutable"}};
  auto back = NodeResult::parse(r.serialize());
  REQUIRE(back);
  CHECK(back->outcome == Outcome::Blocked);
  CHECK(back->detail == r.detail);
  CHECK(back->score == 41.5);
  CHECK(back->samples == r.samples);
  CHECK(back->blobs == r.blobs);
  REQUIRE(back->violations.size() == 1);
  CHECK(back->violations[0].path == "tests/x.py");
}

TEST_CASE("text a command printed that is not UTF-8 is stored, not fatal", "[nodes]") {
  NodeResult r;
  r.outcome = Outcome::Failed;
  r.detail = "gate lint: exit status 1\ncaf\xe9 \xff\xfe";  // Latin-1 and stray bytes
  r.hypothesis = "na\xefve";
  std::string stored;
  REQUIRE_NOTHROW(stored = r.serialize());
  auto back = NodeResult::parse(stored);
  REQUIRE(back);
  CHECK(back->outcome == Outcome::Failed);
  CHECK(back->detail.starts_with("gate lint: exit status 1\ncaf"));
  REQUIRE_NOTHROW(make_spec({{"kind", "stage"}, {"run", "echo \xe9"}}));
}

TEST_CASE("a result that is not a version 1 action result is refused", "[nodes]") {
  CHECK_FALSE(NodeResult::parse("{\"v\":2,\"outcome\":\"ok\"}"));
  CHECK_FALSE(NodeResult::parse("{\"v\":1,\"outcome\":\"maybe\"}"));
  CHECK_FALSE(NodeResult::parse("not json"));
}

TEST_CASE("a judge's judgement is stored only when there is one", "[nodes]") {
  NodeResult r;
  CHECK_FALSE(r.to_json().contains("judgement"));
  r.judgement = {{"sample", "greeting"}, {"votes", 3}, {"criteria", {{{"yes", 2}, {"no", 1}}}}};
  auto back = NodeResult::parse(r.serialize());
  REQUIRE(back);
  CHECK(back->judgement == r.judgement);
}
