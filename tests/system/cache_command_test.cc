// `anneal cache stats|gc` and `anneal clean --cache`: what the local cache holds, shrinking
// it least recently used first, and what a build does afterwards.
#include <catch2/catch.hpp>

#include <string>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// Target `t`: the agent lowers score.txt by 10 per experiment, the stage prints it and
/// counts its runs in SCRATCH/stage.count. `min_improvement` is part of the configuration
/// but not of any stage's key.
void write_target(const TempRepo& repo, const std::string& min_improvement) {
  repo.write("Annealfile", with_scratch(R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {kind: command, run: "echo $((100 - 10 * ANNEAL_EXPERIMENT)) > score.txt"}
    stages: [{name: score, run: "echo run >> SCRATCH/stage.count; cat score.txt"}]
    objective: {metric: score, direction: minimize, min_improvement: )" + min_improvement + R"(}
    budget: {experiments: 3}
)",
                                        repo));
}

void set_up(const TempRepo& repo) {
  repo.write("score.txt", "100\n");
  write_target(repo, "0");
  repo.commit("project");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
}

nlohmann::json stats(const TempRepo& repo) {
  Outcome o = repo.anneal("cache stats --json");
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  REQUIRE(nlohmann::json::accept(o.out));
  return nlohmann::json::parse(o.out);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// The scores of the history, oldest first.
std::vector<double> scores(const TempRepo& repo) {
  std::vector<double> out;
  for (const auto& e : repo.history("t"))
    out.push_back(e["score"].is_number() ? e["score"].get<double>() : -1);
  return out;
}

}  // namespace

TEST_CASE("cache stats counts results and blobs", "[system]") {
  TempRepo repo;
  set_up(repo);
  auto json = stats(repo);
  // Per experiment at least a mutation, a stage and a decision; the baseline has no mutation.
  CHECK(json["actions"]["entries"].get<int>() >= 4 * 2 + 3);
  CHECK(json["blobs"]["entries"].get<int>() > 0);
  CHECK(json["bytes"].get<uint64_t>() ==
        json["actions"]["bytes"].get<uint64_t>() + json["blobs"]["bytes"].get<uint64_t>());
  CHECK(json["actions"]["oldest"].is_string());
  CHECK(json["temporary"]["entries"] == 0);

  Outcome text = repo.anneal("cache stats");
  INFO(text.out << text.err);
  CHECK(text.status == 0);
  CHECK(contains(text.out, "results: " + std::to_string(json["actions"]["entries"].get<int>()) + " ("));
  CHECK(contains(text.out, "blobs:"));
  CHECK(repo.anneal("cache").status == 2);  // a verb is required
}

TEST_CASE("cache gc shrinks the cache to a size, builds then do no work or recompute the same", "[system]") {
  TempRepo repo;
  set_up(repo);
  auto before = stats(repo);
  auto history = scores(repo);
  REQUIRE(history == std::vector<double>{100, 90, 80, 70});
  int stage_runs = count_lines(repo.scratch() / "stage.count");
  REQUIRE(stage_runs == 4);

  SECTION("within the default limit nothing goes") {
    Outcome gc = repo.anneal("cache gc");
    INFO(gc.out << gc.err);
    CHECK(gc.status == 0);
    CHECK(contains(gc.out, "nothing removed"));
    CHECK(stats(repo)["bytes"] == before["bytes"]);
  }
  SECTION("a size it cannot read is an error") {
    Outcome gc = repo.anneal("cache gc --max-size 5X");
    CHECK(gc.status == 1);
    CHECK(contains(gc.err, "'5X' is not a size"));
  }
  SECTION("down to a limit, then a replay recomputes what went") {
    uint64_t limit = before["bytes"].get<uint64_t>() / 2;
    Outcome gc = repo.anneal("cache gc --max-size " + std::to_string(limit));
    INFO(gc.out << gc.err);
    CHECK(gc.status == 0);
    CHECK(contains(gc.out, "least recently used first"));
    auto after = stats(repo);
    CHECK(after["bytes"].get<uint64_t>() <= limit);
    CHECK(after["actions"]["entries"].get<int>() < before["actions"]["entries"].get<int>());

    Outcome nothing = repo.anneal("build");
    INFO(nothing.out << nothing.err);
    CHECK(nothing.status == 0);
    CHECK(contains(nothing.out, "no work to do"));
    CHECK(count_lines(repo.scratch() / "stage.count") == stage_runs);

    // A new configuration replays the experiments: the stages gc removed run again and
    // measure what they measured before; the others come from the cache.
    write_target(repo, "0.5");
    repo.commit("min_improvement");
    Outcome replay = repo.anneal("build");
    INFO(replay.out << replay.err);
    CHECK(replay.status == 0);
    CHECK(scores(repo) == history);
    int rerun = count_lines(repo.scratch() / "stage.count") - stage_runs;
    CHECK(rerun >= 1);
    CHECK(rerun <= 4);
  }
  SECTION("down to nothing") {
    Outcome gc = repo.anneal("cache gc --max-size 0");
    INFO(gc.out << gc.err);
    CHECK(gc.status == 0);
    auto after = stats(repo);
    CHECK(after["actions"]["entries"] == 0);
    CHECK(after["blobs"]["entries"] == 0);
    Outcome nothing = repo.anneal("build");
    CHECK(contains(nothing.out, "no work to do"));
  }
  CHECK(repo.status() == "");
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("clean --cache drops the local cache but keeps the experiments", "[system]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(stats(repo)["actions"]["entries"].get<int>() > 0);
  Outcome cleaned = repo.anneal("clean --cache");
  INFO(cleaned.out << cleaned.err);
  CHECK(cleaned.status == 0);
  CHECK(contains(cleaned.out, "dropped the local cache"));
  CHECK(!repo.exists(".anneal/worktrees"));
  CHECK(!repo.exists(".anneal/ninja/t/build.ninja"));
  auto after = stats(repo);
  CHECK(after["actions"]["entries"] == 0);
  CHECK(after["bytes"] == 0);
  CHECK(repo.history("t").size() == 4);
  Outcome nothing = repo.anneal("build");
  CHECK(contains(nothing.out, "no work to do"));
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}
