// `anneal repro HASH`: an experiment or a node runs again with the cache bypassed and is
// compared with its record; exit 0 when it reproduces, 1 when it does not.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// Target `t`: the agent appends a marker to app.txt, the gate `lint` counts its lines, and
/// the stage `score` prints SCRATCH/score.txt (outside the repository, so a test can change
/// what the stage measures without changing any key). One experiment.
void set_up(const TempRepo& repo) {
  std::ofstream(repo.scratch() / "score.txt") << "5\n";
  repo.write("app.txt", "a\n");
  repo.write("Annealfile", with_scratch(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    agent:
      kind: command
      run: "echo marker$ANNEAL_EXPERIMENT >> app.txt; echo add a marker > \"$ANNEAL_HYPOTHESIS_FILE\""
      timeout: 20s
    verify: [{name: lint, run: "echo linted; grep -c . app.txt"}]
    stages: [{name: score, run: "echo run >> SCRATCH/stage.count; cat SCRATCH/score.txt"}]
    objective: {metric: score, direction: maximize}
    budget: {experiments: 1}
)",
                                        repo));
  repo.commit("project");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
}

void set_score(const TempRepo& repo, const std::string& score) {
  std::ofstream(repo.scratch() / "score.txt") << score << "\n";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// The key of stage `score` (or gate `lint`) of experiment `key`'s only candidate.
std::string node_of(const TempRepo& repo, const std::string& key, const std::string& which) {
  Outcome explained = repo.anneal("explain " + key + " --json");
  REQUIRE(explained.status == 0);
  auto candidate = nlohmann::json::parse(explained.out)["spec"]["candidates"][0];
  return which == "lint" ? candidate["gates"][0].get<std::string>() : candidate["stages"][which].get<std::string>();
}

/// Repro leaves nothing behind: no worktree, no scratch folder, the record as it was.
void check_untouched(const TempRepo& repo, const nlohmann::json& history) {
  CHECK(repo.history("t") == history);
  CHECK(repo.run("git worktree list | wc -l").out == "1\n");
  CHECK(repo.run("ls .anneal/tmp 2>/dev/null | grep -c repro || true").out == "0\n");
  Outcome again = repo.anneal("build");
  CHECK(again.status == 0);
  CHECK(contains(again.out, "no work to do"));
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

}  // namespace

TEST_CASE("repro runs an experiment's checks again and compares its decision with the record", "[system]") {
  TempRepo repo;
  set_up(repo);
  auto history = repo.history("t");
  REQUIRE(history.size() == 2);
  REQUIRE(history[1]["score"] == 5.0);
  std::string key = history[1]["key"].get<std::string>();
  int stage_runs = count_lines(repo.scratch() / "stage.count");

  SECTION("unchanged, it reproduces, by key or by commit") {
    Outcome repro = repo.anneal("repro " + key.substr(0, 12));
    INFO(repro.out << repro.err);
    CHECK(repro.status == 0);
    CHECK(contains(repro.out, "t #1: reproduces"));
    CHECK(count_lines(repo.scratch() / "stage.count") == stage_runs + 1);  // it really ran

    Outcome by_commit = repo.anneal("repro " + history[1]["commit"].get<std::string>().substr(0, 10));
    INFO(by_commit.out << by_commit.err);
    CHECK(by_commit.status == 0);
    Outcome baseline = repo.anneal("repro " + history[0]["key"].get<std::string>());
    INFO(baseline.out << baseline.err);
    CHECK(baseline.status == 0);
    CHECK(contains(baseline.out, "t #0: reproduces"));
  }
  SECTION("a stage that now measures 6 does not reproduce, and says which value moved") {
    set_score(repo, "6");
    Outcome repro = repo.anneal("repro " + key);
    INFO(repro.out << repro.err);
    CHECK(repro.status == 1);
    CHECK(contains(repro.out, "stage score of t"));
    CHECK(contains(repro.out, "score: recorded 5, now 6 (+1, +20%)"));
    CHECK(contains(repro.out, "scores.score: recorded 5, now 6"));
    CHECK(contains(repro.out, "t #1: does not reproduce"));
    CHECK(repro.err.empty());

    Outcome json = repo.anneal("repro " + key + " --json");
    CHECK(json.status == 1);
    REQUIRE(nlohmann::json::accept(json.out));
    auto out = nlohmann::json::parse(json.out);
    CHECK(out["reproduces"] == false);
    CHECK(out["experiment"]["id"] == 1);
    bool named = false;
    for (const auto& d : out["decision"]["differences"])
      if (d["value"] == "score")
        named = d["recorded"] == 5.0 && d["now"] == 6.0 && d["difference"] == 1.0;
    CHECK(named);
  }
  SECTION("a small change passes within --tolerance, not without") {
    set_score(repo, "4.9");  // still below the incumbent: the same decision
    CHECK(repo.anneal("repro " + key).status == 1);
    Outcome tolerated = repo.anneal("repro " + key + " --tolerance 0.05");
    INFO(tolerated.out << tolerated.err);
    CHECK(tolerated.status == 0);
    CHECK(contains(tolerated.out, "reproduces (scores within 0.05 relative)"));
    CHECK(repo.anneal("repro " + key + " --tolerance 0.01").status == 1);
  }
  check_untouched(repo, history);
}

TEST_CASE("repro runs one node again and compares its result", "[system]") {
  TempRepo repo;
  set_up(repo);
  auto history = repo.history("t");
  std::string key = history[1]["key"].get<std::string>();
  std::string stage = node_of(repo, key, "score");
  int stage_runs = count_lines(repo.scratch() / "stage.count");

  SECTION("a stage, unchanged") {
    Outcome repro = repo.anneal("repro " + stage.substr(0, 12));
    INFO(repro.out << repro.err);
    CHECK(repro.status == 0);
    CHECK(contains(repro.out, "stage score of t: reproduces"));
    CHECK(count_lines(repo.scratch() / "stage.count") == stage_runs + 1);
  }
  SECTION("a stage that now prints 6") {
    set_score(repo, "6");
    Outcome repro = repo.anneal("repro " + stage);
    INFO(repro.out << repro.err);
    CHECK(repro.status == 1);
    CHECK(contains(repro.out, "score: recorded 5, now 6"));
    CHECK(contains(repro.out, "stdout: recorded"));
    CHECK(contains(repro.out, "stage score of t: does not reproduce"));
    // With a tolerance the output is not compared, only the score.
    CHECK(repo.anneal("repro " + stage + " --tolerance 0.5").status == 0);
  }
  SECTION("a gate") {
    Outcome repro = repo.anneal("repro " + node_of(repo, key, "lint"));
    INFO(repro.out << repro.err);
    CHECK(repro.status == 0);
    CHECK(contains(repro.out, "verify lint of t: reproduces"));
  }
  SECTION("unknown hashes and bad tolerances are errors") {
    Outcome unknown = repo.anneal("repro 0123456789abcdef");
    CHECK(unknown.status == 1);
    CHECK(contains(unknown.err, "no experiment, commit or node matches '0123456789abcdef'"));
    CHECK(repo.anneal("repro " + stage + " --tolerance -1").status == 2);
    CHECK(repo.anneal("repro").status == 2);
  }
  check_untouched(repo, history);
}
