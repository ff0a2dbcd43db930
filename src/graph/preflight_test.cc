// Mistakes the repository shows are caught before the first experiment, at their line.
#include "graph/preflight.h"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "git/test_repo.h"
#include "graph/annealfile.h"

using namespace anneal;
using namespace anneal::graph;
using anneal::git::testing::TempRepo;

namespace {

TEST_CASE("the program a command starts with, when it starts with a plain word", "[graph]") {
  CHECK(command_program("claude -p \"$(cat $ANNEAL_PROMPT_FILE)\"") == "claude");
  CHECK(command_program("  ./agent.sh --fast") == "./agent.sh");
  CHECK(command_program("FOO=1 BAR=two codex exec") == "codex");
  CHECK(command_program("aider>log.txt") == "aider");
  CHECK(command_program("sh -c 'exit 0'; echo done") == "sh");
  CHECK(command_program("/usr/bin/env python3") == "/usr/bin/env");
  CHECK(command_program("\n  tool\n  other\n") == "tool");
  // Anything else can only be judged when it runs.
  for (const char* run : {"$AGENT --go", "\"my agent\" x", "'x'", "(cd sub && make)", "{ a; b; }", "cd sub && ./x",
                          "exec claude", "if true; then x; fi", "~/bin/agent", "FOO=\"a b\" cmd", "f() { x; }; f",
                          "`which x`", "a\\ b", "echo hi", "set -e; x", "# comment", "", "  ", "x=1",
                          "./*.sh", "! x", "a-b=c x"}) {
    INFO(run);
    CHECK_FALSE(command_program(run));
  }
}

/// An Annealfile in `repo` with `agent` and `extra` lines for target `t`, committed.
Annealfile annealfile_in(const TempRepo& repo, const std::string& agent, const std::string& extra = "") {
  std::string text = fmt::format(R"(annealfile: 1
targets:
  t:
    artifact: [cfg.ini]
    agent: {}
    stages:
      - {{name: s, run: "cat cfg.ini"}}
    objective: {{metric: s, direction: maximize}}
{})",
                                 agent, extra);
  repo.write("Annealfile", text);
  repo.write("cfg.ini", "threads = 8\nratio = 0.5\n");
  repo.commit("project");
  auto file = load_annealfile(repo.path() / "Annealfile");
  INFO(text);
  REQUIRE(file);
  file->path = "Annealfile";
  return *file;
}

std::string preflight_error(const TempRepo& repo, const Annealfile& file) {
  auto opened = git::Repository::open(repo.path());
  REQUIRE(opened);
  std::vector<const Target*> targets;
  for (const auto& t : file.targets)
    targets.push_back(&t);
  // Diagnostics quote the Annealfile by the path it was read from.
  std::error_code ec;
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(repo.path());
  auto checked = preflight(file, targets, *opened, false);
  std::filesystem::current_path(cwd, ec);
  return checked ? "" : checked.error().message;
}

std::string head12(const TempRepo& repo) { return repo.git("rev-parse HEAD").substr(0, 12); }

TEST_CASE("a command agent's program must be on PATH or in the repository at HEAD", "[graph]") {
  TempRepo repo;
  SECTION("not anywhere") {
    auto file = annealfile_in(repo, "{kind: command, run: \"no-such-agent-cli -p x\"}");
    CHECK(preflight_error(repo, file) ==
          fmt::format("Annealfile:5:33: error: agent 't.agent' runs 'no-such-agent-cli', which is neither on PATH "
                      "nor a file in the repository at HEAD ({})",
                      head12(repo)));
  }
  SECTION("on PATH, or committed") {
    repo.write("agent.sh", "#!/bin/sh\necho x >> cfg.ini\n", true);
    CHECK(preflight_error(repo, annealfile_in(repo, "{kind: command, run: \"sh -c true\"}")) == "");
    CHECK(preflight_error(repo, annealfile_in(repo, "{kind: command, run: ./agent.sh}")) == "");
    CHECK(preflight_error(repo, annealfile_in(repo, "{kind: command, run: \"$HOME/x\"}")) == "");
  }
  SECTION("in the checkout but not committed") {
    auto file = annealfile_in(repo, "{kind: command, run: ./agent.sh}");
    repo.write("agent.sh", "#!/bin/sh\n", true);
    CHECK(preflight_error(repo, file) ==
          fmt::format("Annealfile:5:33: error: agent 't.agent' runs './agent.sh', which is not a file in the "
                      "repository at HEAD ({}); it is in your checkout but not committed, and candidates are "
                      "built from HEAD: commit it",
                      head12(repo)));
  }
  SECTION("committed, but named without ./") {
    repo.write("agent.sh", "#!/bin/sh\n", true);
    auto file = annealfile_in(repo, "{kind: command, run: agent.sh}");
    CHECK(preflight_error(repo, file) ==
          "Annealfile:5:33: error: agent 't.agent' runs 'agent.sh', which is not on PATH; the repository has it, to "
          "be run as ./agent.sh (the shell looks a bare name up on PATH only)");
  }
}

TEST_CASE("a tune pattern must match exactly once in its file at HEAD", "[graph]") {
  TempRepo repo;
  auto with_param = [&](const std::string& param) {
    return annealfile_in(repo, fmt::format("{{kind: tune, params: [{}]}}", param));
  };
  CHECK(preflight_error(repo, with_param("{file: cfg.ini, pattern: \"threads = ([0-9]+)\", min: 1, max: 64}")) == "");
  auto none = with_param("{file: cfg.ini, pattern: \"workers = ([0-9]+)\", min: 1, max: 64}");
  CHECK(preflight_error(repo, none) ==
        fmt::format("Annealfile:5:59: error: cfg.ini: pattern 'workers = ([0-9]+)' matches 0 times; it must match "
                    "exactly once (at HEAD {}, target 't')",
                    head12(repo)));
  auto twice = with_param("{file: cfg.ini, pattern: \"= ([0-9.]+)\", min: 0, max: 64}");
  CHECK(preflight_error(repo, twice) ==
        fmt::format("Annealfile:5:59: error: cfg.ini: pattern '= ([0-9.]+)' matches 2 times; it must match "
                    "exactly once (at HEAD {}, target 't')",
                    head12(repo)));
  auto elsewhere = with_param("{file: other.ini, pattern: \"x = ([0-9]+)\", min: 1, max: 64}");
  CHECK(preflight_error(repo, elsewhere) ==
        fmt::format("Annealfile:5:41: error: tune file 'other.ini' of target 't' is not in the repository (at "
                    "HEAD {})",
                    head12(repo)));
}

TEST_CASE("a judge's sample glob must match a file", "[graph]") {
  TempRepo repo;
  repo.write("prompts/a.txt", "hello\n");
  std::string judge = R"(    judge:
      agent: {kind: api, provider: openai, model: gpt-4.1-mini}
      samples: "prompts/*.txt"
      held_out: "held/*.txt"
      criteria: ["Is it clear?"]
)";
  auto file = annealfile_in(repo, "{kind: command, run: \"sh -c true\"}", judge);
  CHECK(preflight_error(repo, file) ==
        "Annealfile:12:17: error: judge held_out 'held/*.txt' of target 't' match no file (globs are relative to "
        "the top of the repository)");
  repo.write("held/b.txt", "there\n");
  CHECK(preflight_error(repo, file) == "");
}

}  // namespace
