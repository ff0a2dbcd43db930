// A target follows HEAD the way make follows its inputs: a committed change to what it reads
// (the evaluator, the artifact after `anneal apply`) starts a new run at HEAD, whose first
// candidate is the previous run's best change re-applied there; a commit touching nothing it
// reads (the Annealfile, or with `inputs:` anything else) keeps it up to date; `baseline:
// pinned` keeps the first build's commit.
#include <catch2/catch.hpp>

#include <string>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// Target `t`: score.sh scores score.txt; the agent sets score.txt to 5. `extra` goes into
/// the target's section.
void make_target(const TempRepo& repo, const std::string& extra = "") {
  repo.write("score.txt", "1\n");
  repo.write("score.sh", "cat score.txt\n");
  repo.write("README.md", "notes\n");
  repo.write("Annealfile", R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {kind: command, run: "echo 5 > score.txt"}
    stages:
      - {name: score, run: "sh score.sh"}
    objective: {metric: score, direction: maximize}
    budget: {experiments: 1}
)" + extra);
  repo.commit("project");
}

std::string head(const TempRepo& repo) { return repo.run("git rev-parse HEAD").out.substr(0, 40); }

}  // namespace

TEST_CASE("a committed evaluator change starts a new run at HEAD that carries the best change over",
          "[system][follow-head]") {
  TempRepo repo;
  make_target(repo);
  REQUIRE(repo.anneal("build").status == 0);
  REQUIRE(repo.history("t")[1]["score"] == 5);

  repo.write("score.sh", "expr $(cat score.txt) \\* 10\n");
  repo.commit("a stricter evaluator");
  Outcome dry = repo.anneal("build -n");
  INFO(dry.out << dry.err);
  CHECK(dry.status == 0);
  CHECK_THAT(dry.out, Catch::Contains("HEAD moved (") && Catch::Contains("): score.sh changed"));
  Outcome status = repo.anneal("status");
  CHECK_THAT(status.out, Catch::Contains("out of date: HEAD moved"));

  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  CHECK_THAT(build.out + build.err, Catch::Contains("first trying the previous best's change there"));
  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  // Measured with the new evaluator, at the new HEAD: no score of the old one is compared.
  CHECK(history[0]["commit"] == head(repo));
  CHECK(history[0]["score"] == 10);
  CHECK(history[1]["outcome"] == "kept");
  CHECK(history[1]["score"] == 50);
  CHECK(history[1]["strategy"] == "carry-over");
  CHECK_THAT(history[1]["hypothesis"].get<std::string>(), Catch::StartsWith("carried over"));
  std::string commit = history[1]["commit"];
  CHECK(repo.run("git show " + commit + ":score.txt").out == "5\n");
  CHECK(repo.run("git show " + commit + ":score.sh").out == "expr $(cat score.txt) \\* 10\n");
  CHECK(repo.run("git rev-parse " + commit + "^").out.substr(0, 40) == head(repo));
  CHECK_THAT(repo.anneal("build -n").out, Catch::Contains("up to date"));
  CHECK_THAT(repo.anneal("status").out, Catch::Contains("on " + head(repo).substr(0, 12)));
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("after `anneal apply` the target stands on the applied commit and carries nothing over",
          "[system][follow-head]") {
  TempRepo repo;
  make_target(repo);
  REQUIRE(repo.anneal("build").status == 0);
  Outcome applied = repo.anneal("apply t");
  INFO(applied.out << applied.err);
  REQUIRE(applied.status == 0);
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  CHECK_THAT(build.out + build.err, Catch::Contains("score.txt changed"));
  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  CHECK(history[0]["commit"] == head(repo));
  CHECK(history[0]["score"] == 5);
  CHECK(history[1].value("strategy", "") != "carry-over");
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("a best change that does not apply on the new HEAD is noted, and the search goes on",
          "[system][follow-head]") {
  TempRepo repo;
  make_target(repo, "    search: {strategy: greedy}\n");
  REQUIRE(repo.anneal("build").status == 0);
  repo.write("score.txt", "4\n");  // the line the best change rewrote
  repo.commit("the user's own score");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  CHECK_THAT(build.out + build.err, Catch::Contains("does not apply on the new baseline") &&
                                        Catch::Contains("the search goes on from HEAD"));
  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  CHECK(history[0]["score"] == 4);
  CHECK(history[1]["outcome"] == "blocked");
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("commits the target does not read keep it up to date", "[system][follow-head]") {
  SECTION("the Annealfile is read from the working tree: committing it changes nothing") {
    TempRepo repo;
    make_target(repo);
    REQUIRE(repo.anneal("build").status == 0);
    repo.write("Annealfile", repo.read("Annealfile") + "# a comment\n");
    repo.commit("comment");
    CHECK_THAT(repo.anneal("build -n").out, Catch::Contains("up to date"));
  }
  SECTION("with inputs: a README commit is not an input; a score.sh commit is") {
    TempRepo repo;
    make_target(repo, "    inputs: [score.sh]\n");
    REQUIRE(repo.anneal("build").status == 0);
    std::string stands_on = repo.history("t")[0]["commit"];
    repo.write("README.md", "more notes\n");
    repo.commit("docs");
    Outcome dry = repo.anneal("build -n");
    CHECK_THAT(dry.out, Catch::Contains("up to date"));
    Outcome built = repo.anneal("build");
    CHECK(built.status == 0);
    CHECK(repo.history("t")[0]["commit"] == stands_on);  // same run, same keys
    repo.write("score.sh", "expr $(cat score.txt) + 100\n");
    repo.commit("evaluator");
    CHECK_THAT(repo.anneal("build -n").out, Catch::Contains("HEAD moved") && Catch::Contains("score.sh changed"));
  }
  SECTION("without inputs every path counts") {
    TempRepo repo;
    make_target(repo);
    REQUIRE(repo.anneal("build").status == 0);
    repo.write("README.md", "more notes\n");
    repo.commit("docs");
    CHECK_THAT(repo.anneal("build -n").out, Catch::Contains("README.md changed"));
  }
  SECTION("baseline: pinned keeps the first build's commit") {
    TempRepo repo;
    make_target(repo, "    baseline: pinned\n");
    REQUIRE(repo.anneal("build").status == 0);
    repo.write("score.sh", "expr $(cat score.txt) \\* 10\n");
    repo.commit("a stricter evaluator");
    CHECK_THAT(repo.anneal("build -n").out, Catch::Contains("up to date"));
  }
}

TEST_CASE("a bad baseline: value is an Annealfile error at its line", "[system][follow-head]") {
  TempRepo repo;
  make_target(repo, "    baseline: frozen\n");
  Outcome dry = repo.anneal("build -n");
  CHECK(dry.status == 1);
  CHECK_THAT(dry.err, Catch::Contains("Annealfile:10:") && Catch::Contains("baseline"));
}
