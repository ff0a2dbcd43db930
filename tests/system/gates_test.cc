// Verify gates and stage conditions decide which candidates may be measured and kept: a
// failing gate rejects before any stage runs, a failing baseline stops the build, a slow
// gate is cut off, keep_if rejects, a missing number crashes, and repeat takes the median.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// A target whose agent appends "markerN" to app.txt in experiment N (counting its runs in
/// SCRATCH/agent.count), with the given `verify:` list and stage (the objective, `size`,
/// maximized), and one experiment. Commits it.
void make_target(const TempRepo& repo, const std::string& verify, const std::string& stage) {
  repo.write("app.txt", "a\n");
  repo.write("Annealfile", with_scratch(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    agent:
      kind: command
      run: "echo run >> SCRATCH/agent.count; echo marker$ANNEAL_EXPERIMENT >> app.txt"
      timeout: 20s
    verify: )" + verify + R"(
    stages:
      - )" + stage + R"(
    objective: {metric: size, direction: maximize}
    budget: {experiments: 1}
)",
                                        repo));
  repo.commit("project");
}

bool contains(const nlohmann::json& text, const std::string& part) {
  return text.is_string() && text.get<std::string>().find(part) != std::string::npos;
}

/// The user's checkout is as committed and the repository is sound.
void check_checkout(const TempRepo& repo) {
  CHECK(repo.read("app.txt") == "a\n");
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

const char* const k_counted_size = R"({name: size, run: "echo run >> SCRATCH/stage.count; wc -c < app.txt"})";

}  // namespace

TEST_CASE("a candidate that fails a verify gate is rejected before any stage runs", "[system]") {
  TempRepo repo;
  make_target(repo,
              R"([{name: lint, run: "if grep -q marker app.txt; then echo 'lint: markers are not allowed' >&2; exit 3; fi"}])",
              k_counted_size);
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  CHECK(history[1]["outcome"] == "rejected");
  CHECK(history[1]["score"].is_null());
  CHECK(contains(history[1]["detail"], "lint: markers are not allowed"));
  CHECK(contains(history[1]["detail"], "lint"));
  CHECK(count_lines(repo.scratch() / "agent.count") == 1);
  CHECK(count_lines(repo.scratch() / "stage.count") == 1);  // the baseline's only
  CHECK(repo.run("git show anneal/t:app.txt").out == "a\n");
  check_checkout(repo);
}

TEST_CASE("a baseline that fails its own gate stops the build before any experiment", "[system]") {
  TempRepo repo;
  make_target(repo, R"([{name: typecheck, run: "echo 'type error in app.txt' >&2; exit 3"}])", k_counted_size);
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  CHECK(build.status == 1);
  CHECK(build.err.find("typecheck") != std::string::npos);
  CHECK(build.err.find("type error in app.txt") != std::string::npos);
  CHECK_FALSE(repo.exists(".anneal/targets/t/experiments.jsonl"));
  CHECK(count_lines(repo.scratch() / "agent.count") == 0);
  CHECK(count_lines(repo.scratch() / "stage.count") == 0);
  CHECK(repo.run("git rev-parse --verify -q refs/heads/anneal/t").status != 0);
  check_checkout(repo);
}

TEST_CASE("a gate that outlives its timeout crashes the candidate quickly", "[system]") {
  TempRepo repo;
  make_target(repo, R"([{name: slow, run: "if grep -q marker app.txt; then sleep 30; fi", timeout: 1s}])",
              k_counted_size);
  auto start = std::chrono::steady_clock::now();
  Outcome build = repo.anneal("build");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(build.out << build.err);
  // Its only experiment crashed: the build fails, naming where the log is.
  REQUIRE(build.status == 1);
  CHECK(contains(build.err, "t: no experiment finished: 1 run, it crashed; the first failure's log: anneal show "));
  CHECK(seconds < 20);  // without the timeout it takes over 30 s, loaded or not
  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  CHECK(history[1]["outcome"] == "crashed");
  CHECK(contains(history[1]["detail"], "slow"));
  CHECK(contains(history[1]["detail"], "timed out"));
  CHECK(count_lines(repo.scratch() / "stage.count") == 1);
  check_checkout(repo);
}

TEST_CASE("a stage score that fails keep_if rejects the candidate", "[system]") {
  TempRepo repo;
  // The baseline "a\n" has 2 bytes; the candidate "a\nmarker1\n" has 10.
  make_target(repo, "[]", R"({name: size, run: "wc -c < app.txt", keep_if: "< 5"})");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  CHECK(history[0]["score"] == 2.0);
  CHECK(history[1]["outcome"] == "rejected");
  CHECK(contains(history[1]["detail"], "keep_if"));
  CHECK(repo.run("git show anneal/t:app.txt").out == "a\n");
  check_checkout(repo);
}

TEST_CASE("an objective stage that prints no number crashes the candidate", "[system]") {
  TempRepo repo;
  make_target(repo, "[]",
              R"({name: size, run: "if grep -q marker app.txt; then echo 'fast enough'; else echo 2; fi"})");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 1);  // its only experiment crashed
  CHECK(contains(build.out, "[1/1] t #1 crashed -"));
  CHECK(contains(build.out, "  log: anneal show "));
  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  CHECK(history[1]["outcome"] == "crashed");
  CHECK(history[1]["score"].is_null());
  CHECK(contains(history[1]["detail"], "size"));
  CHECK(contains(history[1]["detail"], "no number"));
  check_checkout(repo);
}

TEST_CASE("repeat runs a stage that many times and scores the median", "[system]") {
  TempRepo repo;
  // Successive runs print 8, 3, 1: the median is 3 (mean 4, first 8, last 1).
  make_target(repo, "[]", R"({name: size, repeat: 3, run: "echo run >> SCRATCH/stage.count; )"
                          R"(case $(wc -l < SCRATCH/stage.count) in 1) echo 8;; 2) echo 3;; 3) echo 1;; *) echo 0;; esac"})");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  CHECK(history[0]["score"] == 3.0);
  CHECK(history[1]["score"] == 0.0);
  CHECK(count_lines(repo.scratch() / "stage.count") == 6);
  check_checkout(repo);
}
