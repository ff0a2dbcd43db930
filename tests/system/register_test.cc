// The seed's command line: `anneal register` writes a target into the Annealfile (as text,
// validated first), `anneal run --target T` builds it, and stop/status/history take --target.
#include <catch2/catch.hpp>

#include <string>

#include <fmt/format.h>

#include "harness.h"

using namespace anneal::system_test;

namespace {

const std::string k_fakes = std::string(ANNEAL_SOURCE_DIR) + "/tests/fakes";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// anneal with tests/fakes first on PATH: `claude` is the stand-in for Claude Code.
Outcome anneal_with_fakes(const TempRepo& repo, const std::string& args) {
  return repo.run(fmt::format("PATH='{}':\"$PATH\" ANNEAL_CONFIG_DIR='{}' '{}' {}", k_fakes,
                              (repo.scratch() / "config").string(), anneal_binary(), args));
}

// The seed README's second example, for a score.txt that the stand-in agent rewrites.
const char* const k_seed_flags = R"(register \
  --name my-target \
  --artifact score.txt \
  --eval-mode deterministic \
  --run-cmd "cat score.txt" \
  --parse-cmd "awk '{print \$1}'" \
  --direction minimize \
  --scope scope.yaml \
  --verifier "number:grep -Eq '^[0-9]+$' score.txt" \
  --verifier "small:test \$(cat score.txt) -lt 1000" \
  --restart-probability 0.05 \
  --n-drafts 2 \
  --policy-model gpt-4.1-mini)";

const char* const k_written = R"TARGET(
  my-target:
    artifact: [score.txt]
    scope: scope.yaml
    agent:  # Claude Code, the seed's default (docs/coding-agents.md)
      kind: command
      run: claude -p "$(cat "$ANNEAL_PROMPT_FILE")" --output-format json --permission-mode acceptEdits
      timeout: 15m
      cost_field: total_cost_usd
      writable: [~/.claude, ~/.claude.json]
    drafts: 2
    restart_probability: 0.05
    verify:
      - {name: number, run: "grep -Eq '^[0-9]+$' score.txt"}
      - {name: small, run: "test $(cat score.txt) -lt 1000"}
    stages:
      - {name: score, run: cat score.txt, parse: "awk '{print $1}'"}
    objective: {metric: score, direction: minimize}
    policy: {agent: {kind: api, provider: openai, model: gpt-4.1-mini}, every: 5}
)TARGET";

}  // namespace

TEST_CASE("anneal register writes the seed's target into the Annealfile and anneal run --target builds it",
          "[system][register]") {
  TempRepo repo;
  REQUIRE(repo.anneal("init").status == 0);
  const std::string before = repo.read("Annealfile");
  repo.write("score.txt", "150\n");
  repo.write("scope.yaml", "editable: [score.txt]\nimmutable: [scope.yaml, Annealfile]\n");
  repo.commit("project");

  Outcome registered = repo.anneal(k_seed_flags);
  INFO(registered.out << registered.err);
  REQUIRE(registered.status == 0);
  // Appended as text: the template's comments and commented-out example stay as they were.
  CHECK(repo.read("Annealfile") == before + k_written);
  CHECK(contains(registered.out, "added target 'my-target' to Annealfile:\nmy-target:\n  artifact: [score.txt]\n"));
  CHECK(contains(registered.out, "build it: anneal run --target my-target"));
  repo.commit("register my-target");

  Outcome ran = anneal_with_fakes(repo, "run --target my-target --experiments 2");
  INFO(ran.out << ran.err);
  REQUIRE(ran.status == 0);
  auto history = repo.history("my-target");
  REQUIRE(history.size() == 3);
  CHECK(history[0]["outcome"] == "baseline");
  CHECK(history[0]["score"] == 150);
  for (int id : {1, 2})
    CHECK((history[id]["outcome"] == "kept" || history[id]["outcome"] == "discarded"));

  Outcome status = repo.anneal("status --target my-target --json");
  INFO(status.err);
  REQUIRE(status.status == 0);
  auto targets = nlohmann::json::parse(status.out);
  REQUIRE(targets.size() == 1);
  CHECK(targets[0]["name"] == "my-target");
  CHECK(targets[0]["experiments"] == 2);
  Outcome listed = repo.anneal("history --target my-target --json");
  REQUIRE(listed.status == 0);
  CHECK(nlohmann::json::parse(listed.out).size() == 3);
  Outcome stopped = repo.anneal("stop --target my-target");
  CHECK(stopped.status == 0);
  CHECK(stopped.out == "my-target: no build is running\n");

  // A second run with nothing changed has nothing to do, like a second `anneal build`.
  Outcome again = anneal_with_fakes(repo, "run --target my-target --experiments 2");
  INFO(again.out << again.err);
  CHECK(again.status == 0);
  CHECK(again.out == "anneal: no work to do.\n");
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("anneal register writes nothing when the target would not load", "[system][register]") {
  TempRepo repo;
  const std::string annealfile = R"(annealfile: 1
agents:
  judge: {kind: api, provider: openai, model: gpt-4.1-mini}   # the one api agent
targets:
  t:
    artifact: [a.txt]
    agent: {kind: command, run: "true"}
    stages: [{name: s, run: "echo 1"}]
    objective: {metric: s, direction: maximize}

cache: {read_only: true}
)";
  repo.write("Annealfile", annealfile);
  repo.write("a.txt", "a\n");
  repo.commit("project");

  Outcome twice = repo.anneal("register --name t --artifact a.txt --run-cmd 'echo 1'");
  CHECK(twice.status == 1);
  CHECK(twice.err == "Annealfile:5:3: error: target 't' is already defined; edit it there, or register "
                     "another --name\n");

  Outcome no_scope = repo.anneal("register --name u --artifact a.txt --run-cmd 'echo 1' --scope scope.yaml");
  CHECK(no_scope.status == 1);
  CHECK(contains(no_scope.err, "Annealfile:13:12: error: the scope file: cannot read scope.yaml: No such file"));
  CHECK(contains(no_scope.err, "nothing written"));

  Outcome bad_name = repo.anneal("register --name 'u v' --artifact a.txt --run-cmd 'echo 1'");
  CHECK(bad_name.status == 1);
  CHECK(contains(bad_name.err, "cannot be used in git ref names"));

  Outcome no_cmd = repo.anneal("register --name u --artifact a.txt");
  CHECK(no_cmd.status == 1);
  CHECK(contains(no_cmd.err, "needs --run-cmd"));

  Outcome usage = repo.anneal("register --name u --artifact a.txt --run-cmd x --verifier lint");
  CHECK(usage.status == 2);
  CHECK(contains(usage.err, "a verifier is NAME:CMD"));
  CHECK(repo.read("Annealfile") == annealfile);

  // A stochastic target: judged by the file's only api agent, placed before `cache:`.
  Outcome judged = repo.anneal(
      "register --name docs --artifact a.txt --eval-mode stochastic --agent-cmd 'true' --samples 'prompts/*.txt' "
      "--criterion 'Is it short?' --criterion 'Is it polite?'");
  INFO(judged.out << judged.err);
  REQUIRE(judged.status == 0);
  CHECK(contains(repo.read("Annealfile"), R"(    objective: {metric: s, direction: maximize}

  docs:
    artifact: [a.txt]
    agent: {kind: command, run: "true"}
    judge:
      agent: judge
      samples: prompts/*.txt
      criteria:
        - Is it short?
        - Is it polite?
    objective: {metric: judge, direction: maximize}

cache: {read_only: true}
)"));
  Outcome loads = repo.anneal("status docs");
  INFO(loads.err);
  CHECK(loads.status == 0);
}

TEST_CASE("the seed's --target forms need a target", "[system][register]") {
  TempRepo repo;
  REQUIRE(repo.anneal("init").status == 0);
  for (const char* command : {"run", "history"}) {
    Outcome o = repo.anneal(command);
    INFO(command << ": " << o.err);
    CHECK(o.status == 2);
  }
  CHECK(repo.anneal("history").err == "anneal history: name the target: anneal history TARGET (or --target TARGET)\n");
  // `anneal stop` alone stops whatever builds run (cli/detach.h); here none does.
  Outcome stop = repo.anneal("stop");
  CHECK(stop.status == 0);
  CHECK(stop.out == "anneal: no build is running\n");
}
