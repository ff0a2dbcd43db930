// `scope.hidden` through `anneal build`: the files an agent must not read (held-out answers,
// hidden tests) are not in its worktree while it runs, with the sandbox not in git history
// either, and they are back, byte for byte, for the stages that measure the candidate. An
// agent that writes a hidden path is blocked.
#include <catch2/catch.hpp>

#include <string>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// Target `t`: the agent reports in its hypothesis what it could read of hidden/answer.txt
/// (in its worktree, and through git), then runs `extra` and writes score.txt; the stage
/// scores only when the hidden answer is back in place.
void make_target(const TempRepo& repo, const std::string& sandbox, const std::string& extra = "") {
  repo.write("score.txt", "1\n");
  repo.write("hidden/answer.txt", "forty-two\n");
  repo.write("agent.sh",
             "{ cat hidden/answer.txt 2>/dev/null || echo 'file: not seen'\n"
             "  git show HEAD:hidden/answer.txt 2>/dev/null || echo 'git: not seen'\n"
             "} > \"$ANNEAL_HYPOTHESIS_FILE\"\n" +
                 extra +
                 "echo 2 > score.txt\n");
  repo.write("Annealfile", R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    scope: {hidden: [hidden/**]}
    agent: {kind: command, run: "sh agent.sh", sandbox: )" + sandbox + R"(}
    stages:
      - {name: score, run: "grep -qx forty-two hidden/answer.txt && cat score.txt"}
    objective: {metric: score, direction: maximize}
    budget: {experiments: 1}
)");
  repo.commit("project");
}

}  // namespace

TEST_CASE("a hidden file is out of the agent's sight and back for the stages", "[system][hidden]") {
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
      // The baseline's stage and the candidate's found the answer: it was put back.
      CHECK(history[0]["score"] == 1);
      CHECK(history[1]["outcome"] == "kept");
      CHECK(history[1]["score"] == 2);
      std::string seen = history[1]["hypothesis"];
      CHECK_THAT(seen, Catch::StartsWith("file: not seen"));
      if (mode == "on")
        CHECK(seen == "file: not seen\ngit: not seen");  // no git directory in its view
      // The candidate holds the hidden file unchanged; the user's checkout too.
      std::string commit = history[1]["commit"];
      CHECK(repo.run("git show " + commit + ":hidden/answer.txt").out == "forty-two\n");
      CHECK(repo.run("git diff --stat HEAD " + commit + " -- hidden").out == "");
      CHECK(repo.read("hidden/answer.txt") == "forty-two\n");
      CHECK(repo.fsck_problems() == "");
    }
  }
}

TEST_CASE("an agent that writes a hidden path is blocked", "[system][hidden]") {
  for (const std::string extra : {"echo 41 > hidden/answer.txt\n", "mkdir -p hidden && echo x > hidden/new.txt\n"}) {
    DYNAMIC_SECTION(extra) {
      TempRepo repo;
      make_target(repo, "off", extra);
      Outcome build = repo.anneal("build");
      INFO(build.out << build.err);
      REQUIRE(build.status == 0);
      auto history = repo.history("t");
      INFO(history.dump(2));
      REQUIRE(history.size() == 2);
      CHECK(history[1]["outcome"] == "blocked");
      CHECK_THAT(history[1]["violations"].dump(), Catch::Contains("hidden/") && Catch::Contains("scope.hidden"));
      CHECK(repo.read("hidden/answer.txt") == "forty-two\n");
      CHECK(repo.fsck_problems() == "");
    }
  }
}

TEST_CASE("an artifact that is also hidden is an Annealfile error at its line", "[system][hidden]") {
  TempRepo repo;
  repo.write("score.txt", "1\n");
  repo.write("Annealfile", R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    scope: {hidden: ["*.txt"]}
    agent: {kind: command, run: "echo 2 > score.txt"}
    stages:
      - {name: score, run: "cat score.txt"}
    objective: {metric: score, direction: maximize}
)");
  repo.commit("project");
  Outcome dry = repo.anneal("build -n");
  CHECK(dry.status == 1);
  CHECK_THAT(dry.err, Catch::Contains("Annealfile:4:") &&
                          Catch::Contains("artifact 'score.txt' of target 't' is also hidden (scope.hidden '*.txt')"));
}
