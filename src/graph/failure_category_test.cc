#include "graph/failure_category.h"

#include <catch2/catch.hpp>

using namespace anneal::graph;

namespace {

nlohmann::json record(int id, const std::string& outcome, const std::string& detail = "",
                      nlohmann::json violations = nlohmann::json::array()) {
  return {{"id", id}, {"outcome", outcome}, {"detail", detail}, {"violations", std::move(violations)}};
}

}  // namespace

TEST_CASE("the rules name why an experiment failed from what the ledger records", "[graph]") {
  SECTION("no failure") {
    CHECK(rule_category(record(0, "baseline")).empty());
    CHECK(rule_category(record(3, "kept")).empty());
  }
  SECTION("the change itself") {
    CHECK(rule_category(record(1, "blocked", "1 path(s) outside the scope",
                               {{{"path", "tests/t.py"}, {"reason", "immutable"}}})) == "scope");
    CHECK(rule_category(record(1, "unchanged", "no change")) == "unchanged");
    CHECK(rule_category(record(1, "blocked", "no change")) == "unchanged");  // written before `unchanged`
    CHECK(rule_category(record(1, "duplicate", "the same tree as #2")) == "duplicate");
    CHECK(rule_category(record(1, "crashed", "edit blocks did not apply:\nedit 1 (a.py): not found")) ==
          "edit_failed");
    CHECK(rule_category(record(1, "crashed", "reply: no edit block")) == "edit_failed");
  }
  SECTION("gates, stages and the judge") {
    CHECK(rule_category(record(1, "rejected", "gate typecheck: exit status 1\nerror: timed out waiting")) ==
          "gate:typecheck");
    CHECK(rule_category(record(1, "crashed", "gate slow: timed out after 1s")) == "timeout");
    CHECK(rule_category(record(1, "crashed", "gate lint: killed by SIGKILL")) == "crash");
    CHECK(rule_category(record(1, "rejected", "stage latency: 61 fails keep_if < 50")) == "keep_if:latency");
    CHECK(rule_category(record(1, "rejected", "judge score 0.4 fails keep_if >= 0.8")) == "keep_if:judge");
    CHECK(rule_category(record(1, "rejected", "cited pass rate 0.5 fails keep_if >= 1")) == "keep_if:judge.cited");
    CHECK(rule_category(record(1, "crashed", "stage size: the command printed no number (output ends: ok)")) ==
          "parse");
    CHECK(rule_category(record(1, "crashed", "stage size: parse command: exit status 2")) == "parse");
    CHECK(rule_category(record(1, "crashed", "stage size gave no score")) == "parse");
    CHECK(rule_category(record(1, "rejected", "stage tests: exit status 1\nAssertionError")) == "crash");
    CHECK(rule_category(record(1, "crashed", "stage bench: timed out after 2s")) == "timeout");
  }
  SECTION("the agent") {
    CHECK(rule_category(record(1, "crashed", "agent: timed out after 20s")) == "timeout");
    CHECK(rule_category(record(1, "crashed", "agent: exit status 1")) == "crash");
  }
  SECTION("measured and worse") { CHECK(rule_category(record(1, "discarded")) == "regression"); }
}

TEST_CASE("a recorded category wins over the rules", "[graph]") {
  nlohmann::json r = record(4, "rejected", "stage tests: exit status 1");
  CHECK(failure_category(r) == "crash");
  r["failure"] = {{"category", "logic_error"}, {"by", "classifier"}, {"rule", "crash"}};
  CHECK(failure_category(r) == "logic_error");
}

TEST_CASE("the distribution counts a window's failures and lists its blind spots", "[graph]") {
  std::vector<nlohmann::json> records = {record(0, "baseline"),
                                         record(1, "rejected", "gate typecheck: exit status 1"),
                                         record(2, "kept"),
                                         record(3, "rejected", "gate typecheck: exit status 2"),
                                         record(4, "crashed", "agent: exit status 1\nTraceback"),
                                         record(5, "discarded"),
                                         record(6, "rejected", "gate typecheck: exit status 1")};
  FailureDistribution d = failure_distribution(records);
  CHECK(d.experiments == 6);
  CHECK(d.failed == 5);
  REQUIRE(d.counts.size() == 3);
  CHECK(d.counts[0] == std::pair<std::string, size_t>{"gate:typecheck", 3});
  REQUIRE(d.blind_spots.size() == 1);
  CHECK(d.blind_spots[0]["id"] == 4);
  CHECK(d.blind_spots[0]["detail"] == "agent: exit status 1");
  std::string lines = failure_prompt_lines(d);
  CHECK_THAT(lines, Catch::Contains("- 3 of the last 6 failed gate:typecheck (the verify gate typecheck failed)\n"));
  CHECK_THAT(lines, Catch::Contains("- 1 of the last 6 failed regression"));
  CHECK(d.to_json()["categories"][0] == nlohmann::json{{"category", "gate:typecheck"}, {"count", 3}});
  CHECK(failure_prompt_lines(failure_distribution({record(0, "baseline"), record(1, "kept")})).empty());
}
