#include "nodes/judge_decision.h"

#include <cmath>

#include <catch2/catch.hpp>

using namespace anneal::nodes;
using nlohmann::json;
using Approx = Catch::Detail::Approx;

namespace {

json settings(json objective = nullptr, json keep_if = nullptr, json test = json::object()) {
  json t = {{"alpha", 0.05}, {"window", 5}, {"zero_method", "wilcox"}, {"correction", false}, {"min_effect", 0.8}};
  t.update(test);
  return {{"criteria", {{{"label", "judge.short"}, {"question", "Short?"}, {"keep_if", nullptr}},
                        {{"label", "judge.2"}, {"question", "Polite?"}, {"keep_if", {{"op", ">="}, {"value", 0.5}}}}}},
          {"keep_if", keep_if},
          {"objective", objective},
          {"test", t}};
}

/// A judge node's result for one sample with the given `passed` per criterion.
NodeResult judged(const std::string& sample, std::vector<double> passed, int votes = 3) {
  NodeResult r;
  json criteria = json::array();
  for (double p : passed)
    criteria.push_back({{"yes", 0}, {"no", 0}, {"missing", 0}, {"rate", p}, {"passed", p}});
  r.judgement = {{"set", "samples"}, {"sample", sample},    {"content", "c-" + sample + std::to_string(passed[0])},
                 {"criteria", criteria}, {"votes", votes}, {"votes_saved", 3 - votes}, {"calls", votes}};
  r.score = (passed[0] + passed[1]) / 2;
  return r;
}

std::vector<NodeResult> samples(int n, std::vector<double> passed) {
  std::vector<NodeResult> out;
  for (int i = 0; i < n; ++i)
    out.push_back(judged("s" + std::to_string(i), passed));
  return out;
}

json incumbent(int n, std::vector<double> passed) {
  json j = json::object();
  for (int i = 0; i < n; ++i)
    j["s" + std::to_string(i)] = passed;
  return j;
}

}  // namespace

TEST_CASE("judge scores: per sample, per criterion, and a reproducible interval", "[nodes]") {
  std::vector<NodeResult> results = {judged("a", {1, 0}), judged("b", {1, 1}, 2), judged("c", {0, 0.5})};
  auto s = judge_scores(results, settings());
  REQUIRE(s);
  CHECK(s->score == Approx((0.5 + 1 + 0.25) / 3));
  CHECK(s->criterion_rates[0] == Approx(2.0 / 3));
  CHECK(s->criterion_rates[1] == Approx(0.5));
  CHECK(s->votes == 8);
  CHECK(s->votes_saved == 1);
  CHECK(s->interval.low <= s->score);
  CHECK(s->interval.high >= s->score);
  auto again = judge_scores(results, settings());
  CHECK(again->interval.low == s->interval.low);
  CHECK(again->interval.high == s->interval.high);
  json j = s->to_json(settings());
  CHECK(j.at("failing").size() == 2);
  CHECK(j.at("failing")[0] == json{{"sample", "a"}, {"failed", {"judge.2"}}});
  CHECK(j.at("samples").at("c") == json{0, 0.5});

  CHECK(judged_metric(*s, settings(1)) == Approx(0.5));
  CHECK(sample_metric({1, 0}, settings(0)) == 1);
  CHECK(sample_metric({1, 0}, settings()) == 0.5);

  SECTION("gates") {
    CHECK(judge_gate_failure(*s, settings()).empty());
    CHECK(judge_gate_failure(*s, settings(nullptr, {{"op", ">="}, {"value", 0.7}})) ==
          "judge score 0.583 fails keep_if >= 0.7");
    std::vector<NodeResult> rude = {judged("a", {1, 0}), judged("b", {1, 0})};
    CHECK(judge_gate_failure(*judge_scores(rude, settings()), settings()) == "judge.2 pass rate 0 fails keep_if >= 0.5");
  }
  SECTION("a result without a judgement is an error, not a score") {
    std::vector<NodeResult> bad = {NodeResult{}};
    CHECK_FALSE(judge_scores(bad, settings()));
  }
}

TEST_CASE("a judged candidate is kept only when the paired test says it is better", "[nodes]") {
  SECTION("a clear improvement over ten samples passes Wilcoxon at the window's level") {
    auto better = judge_scores(samples(10, {1, 1}), settings());
    auto c = compare_judged(*better, incumbent(10, {0, 1}), settings(), Direction::Maximize, 0, json::object());
    REQUIRE(c);
    CHECK(c->accept);
    CHECK(c->test.at("name") == "wilcoxon");
    CHECK(c->test.at("n") == 10);
    CHECK(c->test.at("level") == Approx(0.01));  // 0.05 / (5 - 0)
    CHECK(c->test.at("p").get<double>() <= 0.01);
    CHECK(c->acceptance == json{{"tested", 1}, {"accepted", 1}});
    CHECK_THAT(c->reason, Catch::Contains("Wilcoxon signed-rank, 10 pairs"));
  }
  SECTION("the same scores are no evidence") {
    auto same = judge_scores(samples(10, {0, 1}), settings());
    auto c = compare_judged(*same, incumbent(10, {0, 1}), settings(), Direction::Maximize, 0, json::object());
    REQUIRE(c);
    CHECK_FALSE(c->accept);
    CHECK(c->test.at("p") == 1.0);
    CHECK(c->acceptance == json{{"tested", 1}, {"accepted", 0}});
  }
  SECTION("a better mean from one lucky sample is not enough") {
    std::vector<NodeResult> results = samples(9, {0, 1});
    results.push_back(judged("s9", {1, 1}));
    auto c = compare_judged(*judge_scores(results, settings()), incumbent(10, {0, 1}), settings(),
                            Direction::Maximize, 0, json::object());
    REQUIRE(c);
    CHECK_FALSE(c->accept);
  }
  SECTION("minimizing flips the direction") {
    auto worse = judge_scores(samples(10, {1, 1}), settings());
    auto c = compare_judged(*worse, incumbent(10, {0, 1}), settings(), Direction::Minimize, 0, json::object());
    REQUIRE(c);
    CHECK_FALSE(c->accept);
  }
  SECTION("the window's level tightens with what it already accepted... and min_improvement still holds") {
    auto better = judge_scores(samples(10, {1, 1}), settings());
    auto c = compare_judged(*better, incumbent(10, {0, 1}), settings(), Direction::Maximize, 0.6,
                            json{{"tested", 2}, {"accepted", 1}});
    REQUIRE(c);
    CHECK(c->test.at("level") == Approx(0.0125));  // 0.05 / (5 - 1)
    CHECK_FALSE(c->accept);                         // gain 0.5 is not above 0.6
    CHECK(c->acceptance == json{{"tested", 3}, {"accepted", 1}});
  }
  SECTION("below six pairs Cohen's d_z decides") {
    std::vector<NodeResult> results = {judged("s0", {1, 1}), judged("s1", {1, 1}), judged("s2", {1, 0}),
                                       judged("s3", {1, 1})};
    auto c = compare_judged(*judge_scores(results, settings()), incumbent(4, {0, 1}), settings(),
                            Direction::Maximize, 0, json::object());
    REQUIRE(c);
    CHECK(c->test.at("name") == "cohen-d");
    // differences 0.5, 0.5, 0, 0.5: mean 0.375, sd 0.25 → d_z 1.5
    CHECK(c->test.at("d_z").get<double>() == Approx(1.5));
    CHECK(c->accept);
    CHECK(c->acceptance == json::object());  // no p-value: the window is untouched
    auto weak = compare_judged(*judge_scores(results, settings()), incumbent(4, {0, 1}),
                               settings(nullptr, nullptr, {{"min_effect", 2.0}}), Direction::Maximize, 0,
                               json::object());
    CHECK_FALSE(weak->accept);
  }
  SECTION("samples the incumbent was not judged on are not paired") {
    auto better = judge_scores(samples(3, {1, 1}), settings());
    auto c = compare_judged(*better, json{{"other", {0, 0}}}, settings(), Direction::Maximize, 0, json::object());
    REQUIRE(c);
    CHECK_FALSE(c->accept);
    CHECK(c->test.at("n") == 0);
    CHECK(c->test.at("unpaired").size() == 3);
  }
}

TEST_CASE("the sequential test keeps, stops and refuses on the samples judged so far", "[nodes]") {
  json seq = settings(nullptr, nullptr, {{"sequential", true}, {"batch", 6}, {"samples", 30}, {"window", 1}});
  SECTION("every sample better: kept before all 30 are judged, and the window counts it") {
    auto scores = judge_scores(samples(12, {1, 1}), seq);
    REQUIRE(scores);
    auto c = compare_judged(*scores, incumbent(30, {0, 0}), seq, Direction::Maximize, 0, json::object());
    REQUIRE(c);
    CHECK(c->accept);
    CHECK(c->test.at("name") == "betting");
    CHECK(c->test.at("sequential").at("judged") == 12);
    CHECK(c->test.at("sequential").at("of") == 30);
    CHECK(c->test.at("sequential").at("stop") == "better");
    CHECK(c->acceptance == json{{"tested", 1}, {"accepted", 1}});
    CHECK(c->reason.find("12 of 30 samples judged") != std::string::npos);
  }
  SECTION("every sample worse: stopped as worse and refused") {
    auto scores = judge_scores(samples(12, {0, 0}), seq);
    REQUIRE(scores);
    auto c = compare_judged(*scores, incumbent(30, {1, 1}), seq, Direction::Maximize, 0, json::object());
    REQUIRE(c);
    CHECK_FALSE(c->accept);
    CHECK(c->test.at("sequential").at("stop") == "worse");
    CHECK(c->acceptance == json{{"tested", 1}, {"accepted", 0}});
  }
  SECTION("too few judged to decide yet: refused, not kept on a partial look") {
    auto scores = judge_scores(samples(6, {1, 1}), seq);
    REQUIRE(scores);
    auto v = sequential_verdict(*scores, incumbent(30, {0, 0}), seq, Direction::Maximize, 0, json::object());
    REQUIRE(v);
    CHECK(v->stop == anneal::stats::SequentialStop::Continue);
    auto c = compare_judged(*scores, incumbent(30, {0, 0}), seq, Direction::Maximize, 0, json::object());
    REQUIRE(c);
    CHECK_FALSE(c->accept);
  }
  SECTION("fewer than six samples: Cohen's d_z as before") {
    json few = settings(nullptr, nullptr, {{"sequential", true}, {"samples", 4}});
    auto scores = judge_scores(samples(4, {1, 1}), few);
    REQUIRE(scores);
    auto c = compare_judged(*scores, incumbent(4, {0, 0}), few, Direction::Maximize, 0, json::object());
    REQUIRE(c);
    CHECK(c->test.at("name") == "cohen-d");
  }
}

TEST_CASE("with early_stop futility the sequential test is the fixed-n Wilcoxon test, stopped early only as worse",
          "[nodes]") {
  json seq = settings(nullptr, nullptr,
                      {{"sequential", true}, {"batch", 6}, {"samples", 30}, {"window", 1}, {"early_stop", "futility"}});
  SECTION("every sample better: not kept on 12 of 30, kept on all 30 by the Wilcoxon test") {
    auto part = judge_scores(samples(12, {1, 1}), seq);
    REQUIRE(part);
    auto v = sequential_verdict(*part, incumbent(30, {0, 0}), seq, Direction::Maximize, 0, json::object());
    REQUIRE(v);
    CHECK(v->stop == anneal::stats::SequentialStop::Continue);
    auto all = judge_scores(samples(30, {1, 1}), seq);
    REQUIRE(all);
    auto c = compare_judged(*all, incumbent(30, {0, 0}), seq, Direction::Maximize, 0, json::object());
    REQUIRE(c);
    CHECK(c->accept);
    CHECK(c->test.at("name") == "wilcoxon");
    CHECK(c->test.at("sequential").at("stop") == "better");
    CHECK(c->test.at("sequential").at("early_stop") == "futility");
    CHECK(c->test.at("p").get<double>() == Approx(std::pow(2.0, -30)));  // exact: all 30 positive
    CHECK(c->acceptance == json{{"tested", 1}, {"accepted", 1}});
  }
  SECTION("every sample worse: stopped after the first batch, with the predictive power recorded") {
    auto scores = judge_scores(samples(6, {0, 0}), seq);
    REQUIRE(scores);
    auto c = compare_judged(*scores, incumbent(30, {1, 1}), seq, Direction::Maximize, 0, json::object());
    REQUIRE(c);
    CHECK_FALSE(c->accept);
    CHECK(c->test.at("sequential").at("stop") == "worse");
    CHECK(c->test.at("n") == 6);
    CHECK(c->test.at("predictive_power").get<double>() < 0.01);
    CHECK(c->reason.find("Wilcoxon test with futility stops, 6 of 30 samples judged: worse") != std::string::npos);
    CHECK(c->acceptance == json{{"tested", 1}, {"accepted", 0}});
  }
}
