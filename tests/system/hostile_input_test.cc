// Hostile inputs end cleanly (issue 12): an Annealfile or a repository written to stall or
// crash anneal gets a clear error naming the file, line and column, quickly, or works.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include <fmt/format.h>

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
