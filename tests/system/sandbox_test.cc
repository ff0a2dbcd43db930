// The sandbox through `anneal build`: an agent cannot see or change the user's checkout, a
// child it leaves behind with setsid is gone before the stage measures the candidate (with
// the sandbox, by its PID namespace; with `sandbox: off`, as an orphan of the node), secrets
// reach only the commands that name them, `sandbox: on` where bubblewrap does not work stops
// the build before any experiment, and `auto` then warns once.
#include <catch2/catch.hpp>

#include <string>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// An agent that reports in its hypothesis what it could read of the user's uncommitted
/// notes.txt, tries to overwrite it (sandboxed), sets score.txt to 51 and leaves a setsid child that
/// would set it to 4 a second later, while the stage (which waits 1.5 s) measures it.
void make_target(const TempRepo& repo, const std::string& sandbox) {
  repo.write("score.txt", "1\n");
  repo.write("agent.sh",
             "cat ../../../../notes.txt > \"$ANNEAL_HYPOTHESIS_FILE\" 2>/dev/null || echo not seen > "
             "\"$ANNEAL_HYPOTHESIS_FILE\"\n"
             // Unsandboxed, the guard would block the candidate for this (containment_test.cc).
             + std::string(sandbox == "on" ? "echo pwned > ../../../../notes.txt\n" : "") +
             "setsid sh -c 'sleep 1; echo 4 > score.txt' >/dev/null 2>&1 &\n"
             "echo 51 > score.txt\n");
  repo.write("Annealfile", R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {kind: command, run: "sh agent.sh", timeout: 20s, sandbox: )" + sandbox + R"(}
    stages:
      - {name: score, run: "sleep 1.5; cat score.txt", sandbox: )" + sandbox + R"(}
    objective: {metric: score, direction: maximize}
    budget: {experiments: 1}
)");
  repo.commit("project");
  repo.write("notes.txt", "my uncommitted notes\n");
}

/// The anneal binary with the test's own config folder, for a command line that sets more
/// variables than TempRepo::anneal does.
std::string with_config(const TempRepo& repo) {
  return "ANNEAL_CONFIG_DIR='" + (repo.scratch() / "config").string() + "' '" + anneal_binary() + "' ";
}

}  // namespace

TEST_CASE("a sandboxed agent cannot touch the checkout and nothing it leaves runs on", "[system][sandbox]") {
  for (const std::string mode : {"on", "off"}) {
    DYNAMIC_SECTION("sandbox: " << mode) {
      TempRepo repo;
      make_target(repo, mode);
      Outcome build = repo.anneal("build");
      INFO(build.out << build.err);
      REQUIRE(build.status == 0);
      auto history = repo.history("t");
      INFO(history.dump(2));
      REQUIRE(history.size() == 2);
      // The setsid child was killed when the agent ended: the score is the commit's.
      CHECK(repo.run("git show " + history[1]["commit"].get<std::string>() + ":score.txt").out == "51\n");
      CHECK(history[1]["outcome"] == "kept");
      CHECK(history[1]["score"] == 51);
      if (mode == "on") {
        CHECK(history[1]["hypothesis"] == "not seen");
        CHECK(repo.read("notes.txt") == "my uncommitted notes\n");
      } else {
        // Without the sandbox the agent runs with the user's permissions.
        CHECK(history[1]["hypothesis"] == "my uncommitted notes");
      }
      CHECK(repo.fsck_problems().empty());
    }
  }
}

TEST_CASE("secrets reach only the commands that pass them", "[system][sandbox]") {
  TempRepo repo;
  repo.write("score.txt", "1\n");
  repo.write("Annealfile", R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent:
      kind: command
      run: "echo \"agent saw [$SERVICE_API_KEY][$DEPLOY_TOKEN]\" > \"$ANNEAL_HYPOTHESIS_FILE\"; echo 2 > score.txt"
      pass_env: [SERVICE_API_KEY]
    stages:
      - {name: score, run: "test -z \"$SERVICE_API_KEY$DEPLOY_TOKEN\" && cat score.txt"}
    objective: {metric: score, direction: maximize}
    budget: {experiments: 1}
)");
  repo.commit("project");
  Outcome build = repo.run("SERVICE_API_KEY=key-123456 DEPLOY_TOKEN=tok-654321 " + with_config(repo) + "build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);  // the baseline's stage saw neither variable
  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  CHECK(history[1]["score"] == 2);
  std::string hypothesis = history[1]["hypothesis"];
  CHECK(hypothesis.find("[][]") == std::string::npos);  // the key was passed (maybe redacted)
  CHECK(hypothesis.find("tok-654321") == std::string::npos);
  CHECK(hypothesis.ends_with("[]"));
}

TEST_CASE("sandbox: on where bubblewrap does not work stops the build, auto warns once", "[system][sandbox]") {
  TempRepo repo;
  repo.write("score.txt", "1\n");
  auto annealfile = [](const std::string& gate_sandbox) {
    return R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {kind: command, run: "echo 2 > score.txt"}
    verify:
      - {name: gate, run: "true", sandbox: )" +
           gate_sandbox + R"(}
    stages:
      - {name: score, run: "cat score.txt"}
    objective: {metric: score, direction: maximize}
    budget: {experiments: 1}
)";
  };
  repo.write("Annealfile", annealfile("on"));
  repo.commit("project");
  const std::string unavailable = "ANNEAL_SANDBOX='none: no user namespaces here' " + with_config(repo);
  Outcome on = repo.run(unavailable + "build");
  CHECK(on.status == 1);
  CHECK_THAT(on.err, Catch::Contains("Annealfile:7:44: error: target 't': gate 'gate' says `sandbox: on`, but "
                                     "bubblewrap does not work here: no user namespaces here"));
  CHECK_FALSE(repo.exists(".anneal/targets/t/experiments.jsonl"));

  repo.write("Annealfile", annealfile("auto"));
  repo.commit("auto");
  Outcome automatic = repo.run(unavailable + "build");
  INFO(automatic.out << automatic.err);
  REQUIRE(automatic.status == 0);
  std::string warning = "warning: bubblewrap does not work here (no user namespaces here)";
  size_t first = automatic.err.find(warning);
  CHECK(first != std::string::npos);
  CHECK(automatic.err.find(warning, first + 1) == std::string::npos);
  CHECK(repo.history("t").size() == 2);
}
