// `anneal apply`: one commit in the user's name on top of HEAD, whose message carries the
// score, the baseline, the experiment's key and the evidence; `--keep-history` fast-forwards
// to the chain of candidates instead; uncommitted changes to the files it would write stop it
// (other uncommitted files do not).
#include <catch2/catch.hpp>

#include <string>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// Target `t`: each experiment lowers score.txt by 10 (three experiments: 100 → 70), and the
/// user has a file of their own, notes.txt.
void set_up(const TempRepo& repo) {
  repo.write("score.txt", "100\n");
  repo.write("notes.txt", "mine\n");
  repo.write("Annealfile", R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {kind: command, run: "echo $((100 - 10 * ANNEAL_EXPERIMENT)) > score.txt; echo lower by ten >\"$ANNEAL_HYPOTHESIS_FILE\""}
    stages: [{name: score, run: "cat score.txt"}]
    objective: {metric: score, direction: minimize}
    budget: {experiments: 3}
)");
  repo.commit("project");
  repo.run("git config user.name 'Ada User' && git config user.email ada@example.com");
}

std::string git(const TempRepo& repo, const std::string& args) {
  Outcome o = repo.run("git " + args);
  INFO("git " << args << ": " << o.err);
  REQUIRE(o.status == 0);
  return o.out;
}

std::string head(const TempRepo& repo) { return git(repo, "rev-parse HEAD").substr(0, 40); }

}  // namespace

TEST_CASE("apply makes one commit in the user's name that says what it brings", "[system][apply]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(repo.anneal("build").status == 0);
  auto history = repo.history("t");
  REQUIRE(history.size() == 4);
  std::string baseline = head(repo);
  std::string best = git(repo, "rev-parse anneal/t").substr(0, 40);

  SECTION("from the baseline") {
    Outcome applied = repo.anneal("apply t");
    INFO(applied.out << applied.err);
    REQUIRE(applied.status == 0);
    CHECK_THAT(applied.out, Catch::Contains("as one commit"));
    CHECK(git(repo, "rev-parse HEAD~1").substr(0, 40) == baseline);  // one commit, not the chain
    CHECK(git(repo, "rev-list --count " + baseline + "..HEAD") == "1\n");
    CHECK(git(repo, "log -1 --format=%an/%ae/%cn") == "Ada User/ada@example.com/Ada User\n");
    std::string message = git(repo, "log -1 --format=%B");
    CHECK_THAT(message, Catch::StartsWith("t: lower by ten\n"));
    CHECK_THAT(message, Catch::Contains("minimize score 70 (baseline 100), by anneal experiment #3 of target t"));
    CHECK_THAT(message, Catch::Contains("baseline: " + baseline));
    CHECK_THAT(message, Catch::Contains("candidate: " + best));
    CHECK_THAT(message, Catch::Contains("experiment key: " + history[3]["key"].get<std::string>()));
    CHECK_THAT(message, Catch::Contains("evidence: "));
    CHECK(git(repo, "rev-parse HEAD^{tree}") == git(repo, "rev-parse " + best + "^{tree}"));
    CHECK(git(repo, "symbolic-ref HEAD") == "refs/heads/main\n");
    CHECK(repo.read("score.txt") == "70\n");
    CHECK(repo.status().empty());
  }
  SECTION("onto a HEAD that moved on: the change is committed on top") {
    repo.write("NOTES", "unrelated work\n");
    std::string moved = repo.commit("unrelated work");
    Outcome applied = repo.anneal("apply t");
    INFO(applied.out << applied.err);
    REQUIRE(applied.status == 0);
    CHECK(git(repo, "rev-parse HEAD~1").substr(0, 40) == moved);
    CHECK(repo.read("score.txt") == "70\n");
    CHECK(repo.read("NOTES") == "unrelated work\n");
    CHECK(repo.status().empty());
  }
  SECTION("--keep-history fast-forwards to the chain of candidates") {
    Outcome applied = repo.anneal("apply t --keep-history");
    INFO(applied.out << applied.err);
    REQUIRE(applied.status == 0);
    CHECK(head(repo) == best);
    CHECK(git(repo, "rev-list --count " + baseline + "..HEAD") == "3\n");
    CHECK(repo.status().empty());
  }
  SECTION("--keep-history onto a HEAD that moved on is refused") {
    repo.write("NOTES", "unrelated work\n");
    std::string moved = repo.commit("unrelated work");
    Outcome refused = repo.anneal("apply t --keep-history");
    CHECK(refused.status == 1);
    CHECK_THAT(refused.err, Catch::Contains("apply without --keep-history"));
    CHECK(head(repo) == moved);
  }
  SECTION("uncommitted changes to a file it would write stop it; other files do not") {
    repo.write("score.txt", "55\n");
    Outcome refused = repo.anneal("apply t");
    CHECK(refused.status == 1);
    CHECK_THAT(refused.err, Catch::Contains("uncommitted changes to score.txt, which apply would write"));
    CHECK(head(repo) == baseline);
    CHECK(repo.read("score.txt") == "55\n");
    CHECK(repo.status() == " M score.txt\n");

    repo.write("score.txt", "100\n");
    repo.write("notes.txt", "mine, edited\n");
    Outcome applied = repo.anneal("apply t");
    INFO(applied.out << applied.err);
    REQUIRE(applied.status == 0);
    CHECK(repo.read("score.txt") == "70\n");
    CHECK(repo.read("notes.txt") == "mine, edited\n");
    CHECK(repo.status() == " M notes.txt\n");
  }
  SECTION("twice: the second time HEAD already has it") {
    REQUIRE(repo.anneal("apply t").status == 0);
    // The target follows HEAD: it is out of date, but its last run's best is what HEAD holds.
    Outcome again = repo.anneal("apply t");
    CHECK(again.status == 1);
    CHECK_THAT(again.err, Catch::Contains("HEAD already contains this candidate"));
  }
  CHECK(repo.fsck_problems().empty());
}
