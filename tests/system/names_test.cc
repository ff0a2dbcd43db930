// Names a user can type: experiments as TARGET#N (or #N with one target), `-C DIR` before or
// after the command, "did you mean" for a typo, `anneal help CMD`, and `--more N` next to
// `--experiments N` with a status that never reads "18/15".
#include <catch2/catch.hpp>

#include <string>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// Target `t` (and with `second`, target `u`): the agent lowers score.txt by 10 each time.
void set_up(const TempRepo& repo, bool second = false) {
  repo.write("score.txt", "100\n");
  std::string target = R"(    artifact: [score.txt]
    agent: {kind: command, run: "echo $((100 - 10 * ANNEAL_EXPERIMENT)) > score.txt"}
    stages: [{name: score, run: "cat score.txt"}]
    objective: {metric: score, direction: minimize}
    budget: {experiments: 2}
)";
  repo.write("Annealfile", "annealfile: 1\ntargets:\n  t:\n" + target + (second ? "  u:\n" + target : ""));
  repo.commit("project");
}

}  // namespace

TEST_CASE("show, explain and repro take TARGET#N and #N", "[system][names]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(repo.anneal("build").status == 0);
  auto history = repo.history("t");
  REQUIRE(history.size() == 3);
  std::string key = history[2]["key"];

  for (const std::string name : {"t#2", "'#2'"}) {
    Outcome shown = repo.anneal("show " + name);
    INFO(shown.out << shown.err);
    CHECK(shown.status == 0);
    CHECK_THAT(shown.out, Catch::StartsWith("experiment t #2 (" + key + ")"));
  }
  Outcome explained = repo.anneal("explain t#2");
  INFO(explained.out << explained.err);
  CHECK(explained.status == 0);
  CHECK_THAT(explained.out, Catch::StartsWith("node " + key + " (decide t#2)"));
  Outcome reproduced = repo.anneal("repro t#1");
  INFO(reproduced.out << reproduced.err);
  CHECK(reproduced.status == 0);
  CHECK_THAT(reproduced.out, Catch::Contains("repro t #1"));

  Outcome missing = repo.anneal("show t#9");
  CHECK(missing.status == 1);
  CHECK_THAT(missing.err, Catch::Contains("target 't' has no experiment #9 (its run has #0 to #2)"));
  Outcome unknown = repo.anneal("show nope#1");
  CHECK(unknown.status == 1);
  CHECK_THAT(unknown.err, Catch::Contains("no target 'nope'"));
  Outcome bad = repo.anneal("show t#x");
  CHECK(bad.status == 1);
  CHECK_THAT(bad.err, Catch::Contains("'t#x' is not an experiment"));
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("#N needs a target when the Annealfile has several", "[system][names]") {
  TempRepo repo;
  set_up(repo, true);
  REQUIRE(repo.anneal("build").status == 0);
  Outcome shown = repo.anneal("show '#1'");
  CHECK(shown.status == 1);
  CHECK_THAT(shown.err, Catch::Contains("'#1' needs a target: the Annealfile has 2"));
  CHECK(repo.anneal("show u#1").status == 0);
}

TEST_CASE("the directory flag works before and after the command, a typo gets a suggestion, help CMD", "[system][names]") {
  TempRepo repo;
  set_up(repo);
  const std::string dir = repo.path().string();
  Outcome before = repo.run("cd / && ANNEAL_CONFIG_DIR=" + (repo.scratch() / "config").string() + " " +
                            anneal_binary() + " -C " + dir + " status");
  Outcome after = repo.run("cd / && ANNEAL_CONFIG_DIR=" + (repo.scratch() / "config").string() + " " +
                           anneal_binary() + " status -C " + dir);
  INFO(before.out << before.err << after.out << after.err);
  CHECK(before.status == 0);
  CHECK(after.status == 0);
  CHECK_THAT(after.out, Catch::StartsWith("t: "));
  CHECK(before.out == after.out);

  Outcome typo = repo.anneal("buidl");
  CHECK(typo.status == 2);
  CHECK_THAT(typo.err, Catch::Contains("'buidl' is not an anneal command; did you mean 'build'?"));
  Outcome nothing_like = repo.anneal("frobnicate");
  CHECK(nothing_like.status == 2);
  CHECK_THAT(nothing_like.err, !Catch::Contains("did you mean") && Catch::Contains("the commands: build"));

  Outcome help = repo.anneal("help apply");
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Catch::Contains("Usage: anneal apply") && Catch::Contains("--keep-history"));
  Outcome help_all = repo.anneal("help");
  CHECK(help_all.status == 0);
  CHECK_THAT(help_all.out, Catch::Contains("repro"));
  CHECK(repo.anneal("help bulid").status == 2);
}

TEST_CASE("build --more N adds N to what is done, status never shows more done than the budget as N/M",
          "[system][names]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(repo.anneal("build").status == 0);
  REQUIRE(repo.history("t").size() == 3);
  Outcome more = repo.anneal("build --more 2");
  INFO(more.out << more.err);
  REQUIRE(more.status == 0);
  CHECK(repo.history("t").size() == 5);
  REQUIRE(repo.anneal("build --more 1").status == 0);  // again: more, not "no work to do"
  CHECK(repo.history("t").size() == 6);
  Outcome status = repo.anneal("status");
  CHECK_THAT(status.out, Catch::Contains("5 experiments (budget 2)"));
  CHECK_THAT(status.out, !Catch::Contains("5/2"));
  // --experiments keeps meaning the total: 4 are done already.
  Outcome total = repo.anneal("build --experiments 4");
  CHECK(total.status == 0);
  CHECK(repo.history("t").size() == 6);
  CHECK(repo.anneal("build --more 0").status == 2);
  CHECK(repo.anneal("build --more 1 --experiments 9").status == 2);
  CHECK(repo.fsck_problems() == "");
}
