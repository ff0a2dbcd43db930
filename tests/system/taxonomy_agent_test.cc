// `taxonomy: {agent: NAME}`: an LLM classifies the failures the rules leave as crash or
// regression into the seed's categories, from the failing nodes' logs; what it cannot
// attribute is a blind spot; its calls are cached like every LLM call.
#include <catch2/catch.hpp>

#include <string>

#include "api_agent_harness.h"

using namespace anneal::system_test;
using anneal::llm::Provider;
using anneal::llm::test::FakeLlmServer;

namespace {

/// A command agent whose #1 breaks the tests with an assertion, #2 with a crash nobody
/// explains, and #3 makes the file smaller (a regression); the taxonomy agent is `provider`'s.
void make_target(const TempRepo& repo, Provider provider, const std::string& base_url) {
  repo.write("app.txt", "a\n");
  repo.write("agent.sh", R"(#!/bin/sh
case $ANNEAL_EXPERIMENT in
  1) echo "assert 2 == 3" >> app.txt ;;
  2) echo "cosmic" >> app.txt ;;
  3) echo b > app.txt ;;
esac
)",
             true);
  repo.write("tests.sh", R"(#!/bin/sh
if grep -q assert app.txt; then echo "AssertionError: expected 2, got 3" >&2; exit 1; fi
if grep -q cosmic app.txt; then echo "bit flipped" >&2; exit 1; fi
wc -c < app.txt
)",
             true);
  bool anthropic = provider == Provider::anthropic;
  repo.write("Annealfile", fmt::format(R"(annealfile: 1
agents:
  classifier: {{kind: api, provider: {}, model: {}, base_url: "{}"}}
targets:
  t:
    artifact: [app.txt]
    agent: {{kind: command, run: ./agent.sh, timeout: 20s}}
    stages:
      - {{name: size, run: ./tests.sh}}
    objective: {{metric: size, direction: maximize}}
    taxonomy: {{agent: classifier}}
    budget: {{experiments: 3}}
)",
                                       anthropic ? "anthropic" : "openai", anthropic ? "claude-test" : "gpt-test",
                                       base_url));
  repo.commit("project");
}

std::string classify(const anneal::llm::test::Received& r) {
  std::string prompt = user_prompt(r);
  if (prompt.find("AssertionError") != std::string::npos)
    return "Category: logic_error\nReason: the assertion in app.txt does not hold";
  if (prompt.find("measures worse") != std::string::npos && prompt.find("Score: 2") != std::string::npos)
    return "category: Regression\nreason: the file got shorter";
  return "Category: cosmic_rays\nReason: a bit flipped";
}

}  // namespace

TEST_CASE("a taxonomy agent classifies what the rules cannot, once, and the rest are blind spots", "[system][api]") {
  Provider provider = GENERATE(Provider::openai, Provider::anthropic);
  TempRepo repo;
  FakeLlmServer fake(provider, k_test_key);
  fake.respond_with(classify);
  make_target(repo, provider, fake.base_url());
  std::string env = (provider == Provider::anthropic ? "ANTHROPIC_API_KEY=" : "OPENAI_API_KEY=") + k_test_key;
  Outcome build = anneal_with(repo, env, "build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);

  auto requests = fake.received();
  REQUIRE(requests.size() == 3);  // one per failure the rules leave as crash or regression
  std::string first = user_prompt(requests[0]);
  CHECK_THAT(first, Catch::Contains("The built-in rules call its failure `crash`"));
  CHECK_THAT(first, Catch::Contains("AssertionError: expected 2, got 3"));  // the stage's stderr
  CHECK_THAT(first, Catch::Contains("- logic_error: "));

  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 4);
  CHECK(history[1]["failure"] == "logic_error");
  CHECK(history[2]["failure"] == "unexplained");
  CHECK(history[3]["failure"] == "regression");
  std::string ledger = repo.read(".anneal/targets/t/experiments.jsonl");
  CHECK_THAT(ledger, Catch::Contains(R"("failure":{"by":"classifier","category":"logic_error","reason":"the assertion in app.txt does not hold","rule":"crash"})"));

  Outcome failures = repo.anneal("failures t");
  INFO(failures.out);
  CHECK_THAT(failures.out, Catch::Contains("logic_error"));
  CHECK_THAT(failures.out, Catch::Contains("blind spots: 1 failure(s) no category explains\n"
                                           "  #2 unexplained: stage size: exit status 1\n"));

  // A replay asks nothing again: the classifications come from the cache.
  repo.run("rm .anneal/targets/t/experiments.jsonl");
  Outcome replay = anneal_with(repo, env, "build");
  INFO(replay.out << replay.err);
  REQUIRE(replay.status == 0);
  CHECK(fake.received().size() == 3);
  CHECK(repo.history("t")[1]["failure"] == "logic_error");
  CHECK(files_containing(repo, k_test_key).empty());
  CHECK(repo.fsck_problems().empty());
}
