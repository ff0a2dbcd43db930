// A broken Annealfile stops `anneal build` before anything runs, with an error that names
// the line and column of the problem; a missing or empty one and a usage error are
// reported too.
#include <catch2/catch.hpp>

#include <string>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// An agent that counts its runs, and a stage, for the Annealfiles below.
const char* const k_agent = R"({kind: command, run: "echo run >> SCRATCH/agent.count; echo x >> app.txt"})";

/// Nothing was run or recorded for any target, and the checkout is as committed.
void check_nothing_ran(const TempRepo& repo) {
  CHECK(repo.run("ls .anneal/targets/*/experiments.jsonl").status != 0);
  CHECK(count_lines(repo.scratch() / "agent.count") == 0);
  CHECK(repo.read("app.txt") == "a\n");
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

/// `anneal build` on `annealfile` (SCRATCH and AGENT substituted) fails with
/// "Annealfile:LINE:COL: error: …" naming `message`, and runs nothing.
void check_error_at(const std::string& annealfile, int line, int column, const std::string& message) {
  TempRepo repo;
  std::string text = annealfile;
  for (size_t at = text.find("AGENT"); at != std::string::npos; at = text.find("AGENT", at))
    text.replace(at, 5, k_agent);
  repo.write("app.txt", "a\n");
  repo.write("Annealfile", with_scratch(text, repo));
  repo.commit("project");
  Outcome build = repo.anneal("build");
  INFO("Annealfile:\n" << text << "\nstdout:\n" << build.out << "stderr:\n" << build.err);
  CHECK(build.status == 1);
  CHECK(build.err.starts_with("Annealfile:" + std::to_string(line) + ":" + std::to_string(column) + ": error: "));
  CHECK(build.err.find(message) != std::string::npos);
  check_nothing_ran(repo);
}

}  // namespace

TEST_CASE("a broken Annealfile is reported at its line and column and nothing runs", "[system]") {
  SECTION("YAML syntax error") {
    check_error_at(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]]
    agent: AGENT
)",
                   4, 24, "invalid YAML");
  }
  SECTION("unknown field") {
    check_error_at(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    agent: AGENT
    stages:
      - {name: s, run: "echo 1", colour: red}
    objective: {metric: s, direction: maximize}
)",
                   7, 34, "colour");
  }
  SECTION("unknown agent") {
    check_error_at(R"(annealfile: 1
agents:
  bot: AGENT
targets:
  t:
    artifact: [app.txt]
    agent: nobody
    stages:
      - {name: s, run: "echo 1"}
    objective: {metric: s, direction: maximize}
)",
                   7, 12, "unknown agent 'nobody'");
  }
  SECTION("unknown objective metric") {
    check_error_at(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    agent: AGENT
    stages:
      - {name: s, run: "echo 1"}
    objective: {metric: speed, direction: maximize}
)",
                   8, 25, "unknown metric 'speed'");
  }
  SECTION("targets that need each other") {
    check_error_at(R"(annealfile: 1
agents:
  bot: AGENT
targets:
  a:
    needs: [b]
    artifact: [app.txt]
    agent: bot
    stages: [{name: s, run: "echo 1"}]
    objective: {metric: s, direction: maximize}
  b:
    needs: [a]
    artifact: [app.txt]
    agent: bot
    stages: [{name: s, run: "echo 1"}]
    objective: {metric: s, direction: maximize}
)",
                   12, 13, "cycle");
  }
  SECTION("stages that need each other") {
    check_error_at(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    agent: AGENT
    stages:
      - name: first
        run: "echo 1"
        needs: second
      - name: second
        run: "echo 1"
        needs: first
    objective: {metric: first, direction: maximize}
)",
                   9, 16, "cycle");
  }
  SECTION("duplicate stage names") {
    check_error_at(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    agent: AGENT
    stages:
      - {name: s, run: "echo 1"}
      - {name: s, run: "echo 2"}
    objective: {metric: s, direction: maximize}
)",
                   8, 16, "duplicate stage name 's'");
  }
  SECTION("duplicate target key") {
    check_error_at(R"(annealfile: 1
agents:
  bot: AGENT
targets:
  t:
    artifact: [app.txt]
    agent: bot
    stages: [{name: s, run: "echo 1"}]
    objective: {metric: s, direction: maximize}
  t:
    artifact: [app.txt]
    agent: bot
    stages: [{name: s, run: "echo 1"}]
    objective: {metric: s, direction: maximize}
)",
                   10, 3, "duplicate key 't'");
  }
  SECTION("a version this anneal does not read") {
    check_error_at(R"(annealfile: 2
targets:
  t:
    artifact: [app.txt]
    agent: AGENT
    stages: [{name: s, run: "echo 1"}]
    objective: {metric: s, direction: maximize}
)",
                   1, 13, "version 2");
  }
  SECTION("bad keep_if") {
    check_error_at(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    agent: AGENT
    stages:
      - {name: s, run: "echo 1", keep_if: "about 50"}
    objective: {metric: s, direction: maximize}
)",
                   7, 43, "keep_if");
  }
  SECTION("bad duration") {
    check_error_at(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    agent: AGENT
    verify:
      - {name: lint, run: "true", timeout: 10 minutes}
    stages: [{name: s, run: "echo 1"}]
    objective: {metric: s, direction: maximize}
)",
                   7, 44, "duration '10 minutes'");
  }
  SECTION("tune pattern without a capture group") {
    check_error_at(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    agent:
      kind: tune
      params:
        - {file: app.txt, pattern: "x = [0-9]+", min: 1, max: 9}
    stages: [{name: s, run: "echo run >> SCRATCH/agent.count; echo 1"}]
    objective: {metric: s, direction: maximize}
)",
                   8, 36, "capture group");
  }
}

TEST_CASE("a missing or empty Annealfile and a usage error are reported", "[system]") {
  TempRepo repo;
  repo.write("app.txt", "a\n");
  repo.commit("project");

  SECTION("missing") {
    Outcome build = repo.anneal("build");
    INFO(build.out << build.err);
    CHECK(build.status == 1);
    CHECK(build.err.find("no Annealfile") != std::string::npos);
    CHECK(build.err.find("anneal init") != std::string::npos);
  }
  SECTION("empty") {
    repo.write("Annealfile", "");
    repo.commit("empty Annealfile");
    Outcome build = repo.anneal("build");
    INFO(build.out << build.err);
    CHECK(build.status == 1);
    CHECK(build.err.starts_with("Annealfile:"));
    CHECK(build.err.find("empty") != std::string::npos);
  }
  SECTION("only a comment") {
    repo.write("Annealfile", "# targets come later\n");
    repo.commit("empty Annealfile");
    Outcome build = repo.anneal("build");
    INFO(build.out << build.err);
    CHECK(build.status == 1);
    CHECK(build.err.find("empty") != std::string::npos);
  }
  SECTION("usage error") {
    repo.write("Annealfile", with_scratch(std::string(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    agent: )") + k_agent + R"(
    stages: [{name: s, run: "echo 1"}]
    objective: {metric: s, direction: maximize}
)",
                                          repo));
    repo.commit("Annealfile");
    Outcome build = repo.anneal("build --bogus");
    INFO(build.out << build.err);
    CHECK(build.status == 2);
    CHECK(build.err.find("--bogus") != std::string::npos);
  }
  check_nothing_ran(repo);
}
