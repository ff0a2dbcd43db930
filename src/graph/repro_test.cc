#include "graph/repro.h"

#include <catch2/catch.hpp>

using anneal::graph::compare_decisions;
using anneal::graph::compare_results;
using anneal::graph::ReproOptions;
using anneal::graph::ValueDifference;
using anneal::nodes::NodeResult;
using anneal::nodes::Outcome;

namespace {

NodeResult stage_result(double score, const std::string& stdout_digest) {
  NodeResult r;
  r.exit_code = 0;
  r.score = score;
  r.blobs["stdout"] = stdout_digest;
  return r;
}

std::vector<std::string> names(const std::vector<ValueDifference>& differences) {
  std::vector<std::string> out;
  for (const auto& d : differences)
    out.push_back(d.name);
  return out;
}

ReproOptions tolerance(double t) {
  ReproOptions options;
  options.tolerance = t;
  return options;
}

}  // namespace

TEST_CASE("a stage reproduces when its outcome, exit code, score and output are the recorded ones", "[graph]") {
  NodeResult recorded = stage_result(5, "aa");
  SECTION("the same result") {
    CHECK(compare_results("stage", recorded, stage_result(5, "aa"), {}).empty());
  }
  SECTION("another score") {
    auto d = compare_results("stage", recorded, stage_result(6, "bb"), {});
    REQUIRE(names(d) == std::vector<std::string>{"score", "stdout"});
    CHECK(d[0].recorded == 5.0);
    CHECK(d[0].now == 6.0);
  }
  SECTION("within a relative tolerance of the recorded score; the output then does not count") {
    CHECK(compare_results("stage", recorded, stage_result(5.2, "bb"), tolerance(0.05)).empty());
    CHECK(names(compare_results("stage", recorded, stage_result(5.3, "bb"), tolerance(0.05))) ==
          std::vector<std::string>{"score"});
  }
  SECTION("a failure where there was a score") {
    NodeResult now = stage_result(0, "aa");
    now.outcome = Outcome::Failed;
    now.score.reset();
    now.exit_code = 3;
    CHECK(names(compare_results("stage", recorded, now, tolerance(0.5))) ==
          std::vector<std::string>{"outcome", "exit code", "score"});
  }
  SECTION("a recorded score of zero needs zero") {
    CHECK(compare_results("stage", stage_result(0, "aa"), stage_result(0, "aa"), tolerance(0.1)).empty());
    CHECK(!compare_results("stage", stage_result(0, "aa"), stage_result(1e-9, "aa"), tolerance(0.1)).empty());
  }
}

TEST_CASE("a gate's output is compared even with a tolerance, a mutation's tree", "[graph]") {
  NodeResult gate = stage_result(0, "aa");
  gate.score.reset();
  NodeResult other = gate;
  other.blobs["stdout"] = "bb";
  CHECK(names(compare_results("verify", gate, other, tolerance(0.5))) == std::vector<std::string>{"stdout"});

  NodeResult mutation;
  mutation.tree = "t1";
  NodeResult again = mutation;
  again.hypothesis = "said otherwise";
  CHECK(compare_results("mutate", mutation, again, {}).empty());
  again.tree = "t2";
  CHECK(names(compare_results("mutate", mutation, again, {})) == std::vector<std::string>{"tree"});
}

TEST_CASE("decisions compare outcome, acceptance, the candidate and scores", "[graph]") {
  // A ledger record keeps accept under "decision"; a decide node's decision at the top.
  nlohmann::json record = {{"outcome", "kept"},   {"score", 40.0}, {"scores", {{"latency", 40.0}, {"smoke", 1.0}}},
                           {"commit", "c1"},      {"draft", 0},    {"decision", {{"accept", true}}}};
  nlohmann::json decision = {{"outcome", "kept"}, {"score", 40.0}, {"scores", {{"latency", 40.0}, {"smoke", 1.0}}},
                             {"commit", "c1"},    {"draft", 0},    {"accept", true}};
  SECTION("the same") { CHECK(compare_decisions(record, decision, {}).empty()); }
  SECTION("another outcome and score") {
    decision["outcome"] = "discarded";
    decision["accept"] = false;
    decision["score"] = 44.0;
    decision["scores"]["latency"] = 44.0;
    CHECK(names(compare_decisions(record, decision, {})) ==
          std::vector<std::string>{"outcome", "accepted", "score", "scores.latency"});
    CHECK(names(compare_decisions(record, decision, tolerance(0.2))) ==
          std::vector<std::string>{"outcome", "accepted"});
  }
  SECTION("a stage score that went missing") {
    decision["scores"].erase("smoke");
    auto d = compare_decisions(record, decision, {});
    REQUIRE(names(d) == std::vector<std::string>{"scores.smoke"});
    CHECK(d[0].now.is_null());
  }
}
