#include "graph/notify.h"

#include <stdlib.h>

#include <catch2/catch.hpp>

using namespace anneal::graph;

namespace {

Target target() {
  Target t;
  t.name = "api";
  t.objective.metric = "latency";
  return t;
}

}  // namespace

TEST_CASE("a kept candidate is a new_best event, a warned held-out check a held_out_divergence", "[graph][notify]") {
  nlohmann::json record = {{"id", 4},
                           {"key", "0123456789abcdef0123"},
                           {"outcome", "kept"},
                           {"score", 41.5},
                           {"commit", "c0ffee"},
                           {"state", {{"best_score", 41.5}, {"baseline_score", 50}}}};
  auto events = experiment_events(target(), record, "/repo");
  REQUIRE(events.size() == 1);
  const nlohmann::json& p = events[0].payload;
  CHECK(events[0].name == "new_best");
  CHECK(p.at("v") == 1);
  CHECK(p.at("event") == "new_best");
  CHECK(p.at("target") == "api");
  CHECK(p.at("text") == "anneal: api has a new best: latency 41.5 at experiment #4 (baseline 50); anneal show "
                        "0123456789abcdef");
  CHECK(p.at("experiment") == 4);
  CHECK(p.at("score") == 41.5);
  CHECK(p.at("best_score") == 41.5);
  CHECK(p.at("baseline_score") == 50);
  CHECK(p.at("commit") == "c0ffee");
  CHECK(p.at("repository") == "/repo");
  CHECK(p.contains("time"));

  record["outcome"] = "discarded";
  CHECK(experiment_events(target(), record, "/repo").empty());
  record["held_out"] = {{"divergence", 0.3}, {"paused", true}};
  events = experiment_events(target(), record, "/repo");
  REQUIRE(events.size() == 1);
  CHECK(events[0].name == "held_out_divergence");
  CHECK(events[0].payload.at("text") == "anneal: api: the judge's score on held-out samples drifted from its score "
                                        "on the samples after experiment #4 (divergence 0.3); the target is paused");
  // The baseline is no new best.
  record = {{"id", 0}, {"outcome", "kept"}};
  CHECK(experiment_events(target(), record, "/repo").empty());
}

TEST_CASE("a build's end is build_done, after budget_reached when the budget ran out, a failure is halted",
          "[graph][notify]") {
  TargetBuildResult result;
  result.status = BuildStatus::Built;
  result.summary = "api: 3 experiment(s) run; best 41.5 (baseline 50), branch anneal/api";
  auto events = build_events(target(), result, "", "/repo");
  REQUIRE(events.size() == 2);
  CHECK(events[0].name == "budget_reached");
  CHECK(events[0].payload.at("text") == "anneal: api reached its budget (experiments)");
  CHECK(events[1].name == "build_done");
  CHECK(events[1].payload.at("text") == "anneal: " + result.summary);

  result.status = BuildStatus::Stopped;  // anneal stop
  events = build_events(target(), result, "", "/repo");
  REQUIRE(events.size() == 1);
  CHECK(events[0].name == "build_done");
  result.status = BuildStatus::BudgetSpent;
  CHECK(build_events(target(), result, "", "/repo")[0].payload.at("text") == "anneal: api reached its budget (money)");
  result.status = BuildStatus::UpToDate;
  CHECK(build_events(target(), result, "", "/repo").empty());

  events = build_events(target(), {}, "api: halted after 5 consecutive failed experiments\nmore", "/repo");
  REQUIRE(events.size() == 1);
  CHECK(events[0].name == "halted");
  CHECK(events[0].payload.at("text") == "anneal: api: halted after 5 consecutive failed experiments");
  CHECK(events[0].payload.at("detail") == "api: halted after 5 consecutive failed experiments\nmore");
}

TEST_CASE("a webhook URL is shown without its token", "[graph][notify]") {
  CHECK(shown_url("https://hooks.slack.com/services/T000/B000/XXXXSECRET") == "https://hooks.slack.com/[redacted]");
  CHECK(shown_url("https://user:pw@ntfy.example:8443/topic?auth=abc") == "https://ntfy.example:8443/[redacted]");
  CHECK(shown_url("http://127.0.0.1:9000/") == "http://127.0.0.1:9000");
  CHECK(shown_url("http://127.0.0.1:9000") == "http://127.0.0.1:9000");
  CHECK(shown_url("$SLACK_WEBHOOK_URL") == "$SLACK_WEBHOOK_URL");
  CHECK(shown_url("https://hooks.example/${HOOK_TOKEN}") == "https://hooks.example/${HOOK_TOKEN}");
}

TEST_CASE("a webhook URL's variables are expanded when it is sent", "[graph][notify]") {
  ::setenv("ANNEAL_TEST_HOOK", "https://hooks.example/T/B/secret", 1);
  CHECK(expand_url("$ANNEAL_TEST_HOOK") == "https://hooks.example/T/B/secret");
  CHECK(expand_url("${ANNEAL_TEST_HOOK}?x=1") == "https://hooks.example/T/B/secret?x=1");
  CHECK(expand_url("https://a.example/p$") == "https://a.example/p$");
  ::unsetenv("ANNEAL_TEST_HOOK");
  auto missing = expand_url("$ANNEAL_TEST_HOOK");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "$ANNEAL_TEST_HOOK is not set");

  Annealfile file;
  file.notify.push_back({{"new_best"}, "", "$SLACK_WEBHOOK_URL", 10, {}, {}});
  Target t = target();
  t.notify.push_back({{"halted"}, "", "https://x.example/${OTHER}/${SLACK_WEBHOOK_URL}", 10, {}, {}});
  file.targets.push_back(t);
  CHECK(notify_url_variables(file) == std::vector<std::string>{"OTHER", "SLACK_WEBHOOK_URL"});
}

TEST_CASE("notify rules come from the top of the Annealfile and from targets, and never change a target's digest",
          "[graph][notify]") {
  const std::string base = R"(annealfile: 1
notify:
  - {on: [new_best], url: "$HOOK"}
targets:
  t:
    artifact: [a.txt]
    agent: {kind: command, run: "true"}
    stages: [{name: s, run: "true"}]
    objective: {metric: s, direction: minimize}
)";
  auto loaded = parse_annealfile(base + "    notify: [{on: [halted, build_done], run: cat, timeout: 5s}]\n", "Annealfile");
  REQUIRE(loaded);
  REQUIRE(loaded->notify.size() == 1);
  CHECK(loaded->notify[0].url == "$HOOK");
  CHECK(loaded->notify[0].timeout_s == 10);
  const Target& t = loaded->targets[0];
  REQUIRE(t.notify.size() == 1);
  CHECK(t.notify[0].on == std::vector<std::string>{"halted", "build_done"});
  CHECK(t.notify[0].run == "cat");
  CHECK(t.notify[0].timeout_s == 5);
  auto without = parse_annealfile(base, "Annealfile");
  REQUIRE(without);
  CHECK(t.config == without->targets[0].config);

  auto both = parse_annealfile(base + "    notify: [{on: [halted], run: cat, url: \"http://x\"}]\n", "Annealfile");
  REQUIRE_FALSE(both);
  CHECK_THAT(both.error().message, Catch::Contains("Annealfile:10:") &&
                                       Catch::Contains("error: a notify rule has either `run:`"));
  auto scheme = parse_annealfile(base + "    notify: [{on: [halted], url: \"ftp://x/y\"}]\n", "Annealfile");
  REQUIRE_FALSE(scheme);
  CHECK_THAT(scheme.error().message, Catch::Contains("a notify url is http:// or https:// (or $VARIABLE holding one), "
                                                     "not 'ftp'"));
  auto unknown = parse_annealfile(base + "    notify: [{on: [new_bets], run: cat}]\n", "Annealfile");
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().message,
             Catch::Contains("Annealfile:10:20: error: item 1 of 'on' must be one of new_best, halted"));
}
