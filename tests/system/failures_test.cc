// The failure taxonomy end to end: every experiment that was not kept gets a category by the
// built-in rules, `anneal failures` counts them over the last window and lists the blind
// spots, `status --json` carries the same, and the agent's prompt is told the distribution.
#include <catch2/catch.hpp>

#include <string>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// A command agent that fails in a different way in each experiment (copying its prompt to
/// SCRATCH/prompt.N): #1 and #2 trip the typecheck gate, #3 is kept, #4 is measured worse,
/// #5 changes nothing, #6 crashes and #7 trips the gate again.
void make_target(const TempRepo& repo) {
  repo.write("app.txt", "a\n");
  repo.write("agent.sh", R"(#!/bin/sh
cp "$ANNEAL_PROMPT_FILE" "$1/prompt.$ANNEAL_EXPERIMENT"
case $ANNEAL_EXPERIMENT in
  1|2|7) echo "bad $ANNEAL_EXPERIMENT" >> app.txt ;;
  3) echo good >> app.txt ;;
  4) echo b > app.txt ;;
  5) ;;
  6) echo "agent: out of ideas" >&2; exit 1 ;;
esac
)",
             true);
  repo.write("Annealfile", with_scratch(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    agent: {kind: command, run: "./agent.sh SCRATCH", timeout: 20s}
    verify:
      - {name: typecheck, run: "if grep -q bad app.txt; then echo 'type error: bad' >&2; exit 1; fi"}
    stages:
      - {name: size, run: "wc -c < app.txt"}
    objective: {metric: size, direction: maximize}
    budget: {experiments: 7}
)",
                                        repo));
  repo.commit("project");
}

}  // namespace

TEST_CASE("anneal failures counts each failure's category and names the blind spots", "[system]") {
  TempRepo repo;
  make_target(repo);
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);

  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 8);
  CHECK(history[0]["failure"].is_null());
  CHECK(history[1]["failure"] == "gate:typecheck");
  CHECK(history[3]["failure"].is_null());  // kept
  CHECK(history[4]["failure"] == "regression");
  CHECK(history[5]["failure"] == "unchanged");
  CHECK(history[6]["failure"] == "crash");

  Outcome failures = repo.anneal("failures t");
  INFO(failures.out << failures.err);
  REQUIRE(failures.status == 0);
  CHECK_THAT(failures.out, Catch::Contains("t: 6 of the last 7 experiment(s) failed (#1–#7)\n"));
  CHECK_THAT(failures.out, Catch::Matches("(.|\\n)*gate:typecheck +3 +43%\\n(.|\\n)*"));
  CHECK_THAT(failures.out, Catch::Matches("(.|\\n)*regression +1 +14%\\n(.|\\n)*"));
  CHECK_THAT(failures.out, Catch::Contains("blind spots: 1 failure(s) no category explains\n"
                                           "  #6 crash: agent: exit status 1\n"));

  Outcome last_two = repo.anneal("failures t --last 2 --json");
  REQUIRE(last_two.status == 0);
  auto window = nlohmann::json::parse(last_two.out);
  CHECK(window["experiments"] == 2);
  CHECK(window["first"] == 6);
  CHECK(window["categories"] == nlohmann::json::parse(R"([{"category": "crash", "count": 1},
                                                          {"category": "gate:typecheck", "count": 1}])"));

  auto status = nlohmann::json::parse(repo.anneal("status --json").out);
  CHECK(status[0]["failures"]["failed"] == 6);
  CHECK(status[0]["failures"]["categories"][0] == nlohmann::json{{"category", "gate:typecheck"}, {"count", 3}});
  CHECK(status[0]["failures"]["blind_spots"][0]["id"] == 6);

  // The agent heard how the recent experiments failed.
  std::string prompt = repo.run("cat '" + (repo.scratch() / "prompt.7").string() + "'").out;
  CHECK_THAT(prompt, Catch::Contains("## How recent experiments failed\n"));
  CHECK_THAT(prompt, Catch::Contains("- 2 of the last 6 failed gate:typecheck (the verify gate typecheck failed)\n"));
  CHECK_THAT(prompt, Catch::Contains("- 1 of the last 6 failed crash"));
  std::string first = repo.run("cat '" + (repo.scratch() / "prompt.1").string() + "'").out;
  CHECK_THAT(first, !Catch::Contains("How recent experiments failed"));

  CHECK(repo.anneal("failures nope").status == 1);
  CHECK(repo.fsck_problems().empty());
}
