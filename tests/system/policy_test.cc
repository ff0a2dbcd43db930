// The policy agent end to end (`policy: {agent: NAME, every: N}`): every N experiments an LLM
// (the loopback fake, OpenAI's wire format) rewrites the mutation instructions; each version
// is recorded by its digest in the experiments that used it, reaches the agent's prompt, is
// rolled back when it does worse than the one before, and a fresh clone replays it all from
// the remote cache without asking again.
#include <catch2/catch.hpp>

#include <string>

#include "api_agent_harness.h"
#include "clone.h"
#include "nginx_server.h"

using namespace anneal::system_test;
using anneal::llm::Provider;
using anneal::llm::test::FakeLlmServer;

namespace {

constexpr const char* k_no_remote_env =
    "env -u ANNEAL_REMOTE_CACHE -u ANNEAL_REMOTE_READ_ONLY -u ANNEAL_REMOTE_TOKEN -u ANNEAL_REMOTE_TOKEN_ENV";

const std::string k_grow = "STRATEGY: grow. Add one line each time.";
const std::string k_shrink = "STRATEGY: shrink. Remove the first line each time.";

/// A command agent that obeys the policy in its prompt (copied to SCRATCH/prompt.N): "grow"
/// adds a line (worse: the stage counts lines, minimized), anything else removes one (better).
void make_target(const TempRepo& repo, const std::string& base_url) {
  std::string text;
  for (int i = 0; i < 12; ++i)
    text += fmt::format("line {}\n", i);
  repo.write("text.txt", text);
  repo.write("agent.sh", R"(#!/bin/sh
cp "$ANNEAL_PROMPT_FILE" "$1/prompt.$ANNEAL_EXPERIMENT"
if grep -q "STRATEGY: grow" "$ANNEAL_PROMPT_FILE"; then
  echo "more $ANNEAL_EXPERIMENT" >> text.txt; echo "add a line" > "$ANNEAL_HYPOTHESIS_FILE"
else
  sed -i 1d text.txt; echo "drop the first line" > "$ANNEAL_HYPOTHESIS_FILE"
fi
)",
             true);
  repo.write("Annealfile", with_scratch(fmt::format(R"(annealfile: 1
agents:
  planner: {{kind: api, provider: openai, model: gpt-test, base_url: "{}", pricing: {{input: 1000, output: 1000}}}}
targets:
  t:
    artifact: [text.txt]
    agent: {{kind: command, run: "./agent.sh SCRATCH", timeout: 20s}}
    stages:
      - {{name: lines, run: "wc -l < text.txt"}}
    objective: {{metric: lines, direction: minimize}}
    policy: {{agent: planner, every: 2}}
    search: {{strategy: greedy, seed: 1}}
    budget: {{experiments: 8}}
)",
                                                    base_url),
                                        repo));
  repo.commit("project");
}

/// The policy agent: first it proposes to grow; asked again after that did worse, to shrink.
std::string write_policy(const anneal::llm::test::Received& r) {
  return user_prompt(r).find("under v1") != std::string::npos ? k_shrink : k_grow;
}

std::string prompt_of(const TempRepo& repo, int experiment) {
  return repo.run("cat '" + (repo.scratch() / ("prompt." + std::to_string(experiment))).string() + "'").out;
}

/// Each experiment's "policy" as (version, event, from), from #1 on.
std::vector<std::string> policy_column(const nlohmann::json& history) {
  std::vector<std::string> out;
  for (size_t i = 1; i < history.size(); ++i) {
    const auto& p = history[i]["policy"];
    out.push_back(fmt::format("v{} {} {}", p.value("version", -1), p.value("event", ""), p.value("from", -1)));
  }
  return out;
}

}  // namespace

TEST_CASE("a policy agent rewrites the instructions every N experiments and a worse version is rolled back",
          "[system][policy]") {
  NginxServer server;
  TempRepo repo;
  FakeLlmServer fake(Provider::openai, k_test_key);
  fake.respond_with(write_policy);
  make_target(repo, fake.base_url());
  const std::string env = fmt::format("{} OPENAI_API_KEY={} ANNEAL_REMOTE_CACHE={}", k_no_remote_env, k_test_key,
                                      server.url());
  Outcome build = anneal_with(repo, env, "build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);

  // Two calls: before #3 (v1 from v0) and before #7 (v2 from v0, once v1 was rolled back).
  auto requests = fake.received();
  REQUIRE(requests.size() == 2);
  std::string first = user_prompt(requests[0]);
  CHECK_THAT(first, Catch::Contains("Current instructions (v0):\n\nMake one focused change per experiment"));
  CHECK_THAT(first, Catch::Contains("- #1 kept (score 11), a new best; hypothesis: drop the first line\n"));
  CHECK_THAT(first, Catch::Contains("(1.00 improvements per experiment"));
  std::string second = user_prompt(requests[1]);
  CHECK_THAT(second, Catch::Contains("The window before it, under v1, had 0.00 improvements per experiment."));

  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 9);
  CHECK(policy_column(history) == std::vector<std::string>{"v0 initial -1", "v0 initial -1", "v1 rewritten 0",
                                                           "v1 rewritten 0", "v0 rolled_back 1", "v0 rolled_back 1",
                                                           "v2 rewritten 0", "v2 rewritten 0"});
  CHECK(history[3]["outcome"] == "discarded");
  CHECK(history[4]["outcome"] == "discarded");
  CHECK(history[5]["outcome"] == "kept");
  CHECK(history[7]["outcome"] == "kept");
  // Every experiment under a version records its digest; the text is kept under it.
  const std::string v1 = history[3]["policy"]["digest"];
  CHECK(history[4]["policy"]["digest"] == v1);
  CHECK(history[5]["policy"]["digest"] == history[1]["policy"]["digest"]);
  CHECK(repo.read(".anneal/targets/t/policies/" + v1 + ".md") == k_grow);
  CHECK(repo.read(".anneal/targets/t/policies/" + history[7]["policy"]["digest"].get<std::string>() + ".md") ==
        k_shrink);
  CHECK_THAT(build.out + build.err, Catch::Contains("t: policy v1 did worse than v0 (0.00 against 1.00 "
                                                    "improvements per experiment); rolled back to v0 from #5"));

  // The version in force is what the agent is told.
  CHECK_THAT(prompt_of(repo, 1), Catch::Contains("## How to work (policy v0)\n\nMake one focused change"));
  CHECK_THAT(prompt_of(repo, 3), Catch::Contains("## How to work (policy v1)\n\n" + k_grow + "\n"));
  CHECK_THAT(prompt_of(repo, 5), Catch::Contains("## How to work (policy v0)\n\nMake one focused change"));
  CHECK_THAT(prompt_of(repo, 8), Catch::Contains("## How to work (policy v2)\n\n" + k_shrink + "\n"));

  // The calls count toward the target's spending: 10 tokens at $1000 per million, twice.
  auto status = nlohmann::json::parse(anneal_with(repo, env, "status --json").out);
  CHECK(status[0]["spent_usd"].get<double>() == Approx(0.02));

  Outcome table = repo.anneal("history t");
  INFO(table.out);
  CHECK_THAT(table.out, Catch::Contains("  ── policy v1 (rewritten from v0) ──\n #3"));
  CHECK_THAT(table.out, Catch::Contains("  ── policy rolled back to v0 (v1 did worse) ──\n #5"));
  CHECK_THAT(table.out, Catch::Contains("  ── policy v2 (rewritten from v0) ──\n #7"));

  // A fresh clone replays every experiment and every policy from the remote cache: no call.
  auto clone = clone_of(repo);
  Outcome replay = anneal_with(*clone, env, "build");
  INFO(replay.out << replay.err);
  REQUIRE(replay.status == 0);
  CHECK(fake.received().size() == 2);
  CHECK(policy_column(clone->history("t")) == policy_column(history));
  CHECK(clone->read(".anneal/targets/t/policies/" + v1 + ".md") == k_grow);

  CHECK(files_containing(repo, k_test_key).empty());
  CHECK(repo.fsck_problems().empty());
  CHECK(clone->fsck_problems().empty());
}
