// No wasted evaluations: a candidate whose tree was measured before in the run is not
// measured again (outcome `duplicate`, the earlier result), and the tuner proposes every
// point of its grid before it repeats one.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "harness.h"

using namespace anneal::system_test;

TEST_CASE("a candidate that repeats a measured tree is a duplicate and is not evaluated again", "[system]") {
  TempRepo repo;
  repo.write("app.txt", "abc\n");
  repo.write("Annealfile", with_scratch(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    agent: {kind: command, run: "printf 'x\n' > app.txt", timeout: 20s}
    verify:
      - {name: check, run: "echo run >> SCRATCH/gate.count"}
    stages:
      - {name: size, run: "echo run >> SCRATCH/stage.count; wc -c < app.txt"}
    objective: {metric: size, direction: maximize}
    budget: {experiments: 3}
)",
                                        repo));
  repo.commit("project");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 4);
  CHECK(history[1]["outcome"] == "discarded");
  for (int id : {2, 3}) {
    CHECK(history[id]["outcome"] == "duplicate");
    CHECK(history[id]["score"] == 2);  // the earlier candidate's
    CHECK(history[id]["failure"] == "duplicate");
    CHECK(history[id]["detail"] == "the same tree as #1 (discarded, score 2): not evaluated again");
  }
  // The baseline and #1 were measured; #2 and #3 were not.
  CHECK(count_lines(repo.scratch() / "gate.count") == 2);
  CHECK(count_lines(repo.scratch() / "stage.count") == 2);
  CHECK(repo.run("git show anneal/t:app.txt").out == "abc\n");
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("the tuner tries each point of a small grid once, then repeats are not measured", "[system]") {
  TempRepo repo;
  repo.write("cfg.ini", "threads = 3\n");
  repo.write("Annealfile", with_scratch(R"yaml(annealfile: 1
targets:
  t:
    artifact: [cfg.ini]
    agent: {kind: tune, params: [{file: cfg.ini, pattern: "threads = ([0-9]+)", min: 1, max: 6, integer: true}]}
    stages:
      - {name: speed, run: "echo run >> SCRATCH/stage.count; t=$(sed 's/[^0-9]//g' cfg.ini); echo $(( 10 - (t - 5) * (t - 5) ))"}
    objective: {metric: speed, direction: maximize}
    search: {strategy: greedy, seed: 7}
    budget: {experiments: 9, max_consecutive_failures: 100}
)yaml",
                                        repo));
  repo.commit("project");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 10);
  std::set<std::string> hypotheses;
  for (int id = 1; id <= 5; ++id) {
    CHECK(history[id]["outcome"] != "duplicate");
    hypotheses.insert(history[id]["hypothesis"].get<std::string>().substr(history[id]["hypothesis"].get<std::string>().find("-> ")));
  }
  CHECK(hypotheses.size() == 5);  // five new values: 1, 2, 4, 5, 6
  for (int id = 6; id <= 9; ++id)
    CHECK(history[id]["outcome"] == "duplicate");
  CHECK(count_lines(repo.scratch() / "stage.count") == 6);  // the baseline and the five
  CHECK(repo.run("git show anneal/t:cfg.ini").out == "threads = 5\n");
  CHECK(repo.fsck_problems().empty());
}
