// Hostile inputs end cleanly (issue 12): an Annealfile or a repository written to stall or
// crash anneal gets a clear error naming the file, line and column, quickly, or works.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include <fmt/format.h>

#include "alias_bomb.h"
#include "harness.h"

using namespace anneal::system_test;

namespace {

/// A target `t` tuning `pattern` in cfg.ini, which is `config`; the stage scores the number.
void write_tuned(const TempRepo& repo, const std::string& config, const std::string& pattern) {
  repo.write("cfg.ini", config);
  repo.write("Annealfile", fmt::format(R"(annealfile: 1
targets:
  t:
    artifact: [cfg.ini]
    agent: {{kind: tune, params: [{{file: cfg.ini, pattern: "{}", min: 1, max: 64, integer: true}}]}}
    stages:
      - {{name: s, run: "sed -n 's/.* threads = //p' cfg.ini"}}
    objective: {{metric: s, direction: minimize}}
    budget: {{experiments: 2}}
)",
                                       pattern));
  repo.commit("project");
}

}  // namespace

TEST_CASE("a tune pattern runs over a 50,000-character line", "[system][hostile]") {
  TempRepo repo;
  // std::regex recursed once per character of this line and killed the node with SIGSEGV.
  write_tuned(repo, std::string(50'000, 'x') + " threads = 8\n", "^.*threads = ([0-9]+)");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  CHECK(build.status == 0);
  nlohmann::json history = repo.history("t");
  REQUIRE(history.size() == 3);
  for (const auto& experiment : history)
    CHECK(experiment["outcome"] != "crashed");
  CHECK(history[0]["score"] == 8);
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a tune pattern RE2 cannot run names the parameter and its line", "[system][hostile]") {
  TempRepo repo;
  write_tuned(repo, "threads = 8\n", "threads = (?=8)([0-9]+)");
  for (const char* args : {"build -n", "build", "status"}) {
    Outcome run = repo.anneal(args);
    INFO(args << "\n" << run.out << run.err);
    CHECK(run.status == 1);
    CHECK(run.err.substr(0, run.err.find('\n')) ==
          "Annealfile:5:59: error: tune pattern 'threads = (?=8)([0-9]+)' (cfg.ini) is not a valid "
          "RE2 regular expression: invalid perl operator: (?=");
  }
  CHECK(repo.status().empty());
}

TEST_CASE("an Annealfile with a YAML alias bomb is refused at its line, at once", "[system][hostile]") {
  TempRepo repo;
  repo.write("cfg.ini", "threads = 8\n");
  // Every walk over this tree (key checks, schema) visited its 9^9 strings: 47 s for `build -n`.
  repo.write("Annealfile", R"(annealfile: 1
targets:
  t:
    artifact: [cfg.ini]
    agent: {kind: command, run: "echo x >> cfg.ini"}
    stages: [{name: s, run: "wc -l < cfg.ini"}]
    objective: {metric: s, direction: minimize}
    scope:
      editable:
)" + anneal::testing::alias_bomb_items(6));
  repo.commit("project");
  std::string error = fmt::format(
      "Annealfile:{}:{}: error: alias '*d' brings the nodes reached through aliases past 10000; "
      "anneal refuses YAML that expands this far (an alias bomb?)",
      9 + anneal::testing::k_alias_bomb_line, anneal::testing::alias_bomb_column(6));
  for (const char* args : {"build -n", "build", "status"}) {
    Outcome run = repo.anneal(args);
    INFO(args << "\n" << run.out << run.err);
    CHECK(run.status == 1);
    CHECK(run.err.substr(0, run.err.find('\n')) == error);
  }
  CHECK(repo.run("ls .anneal/targets/t/experiments.jsonl").status != 0);
  CHECK(repo.status().empty());
}
