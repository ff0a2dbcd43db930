// `api` agents end to end: the built anneal talks to loopback fakes of the OpenAI and
// Anthropic APIs (their documented wire formats), applies the edit blocks they answer, and
// records cost; the key never reaches a file.
#include <catch2/catch.hpp>

#include <set>

#include "api_agent_harness.h"

using namespace anneal::system_test;
using anneal::llm::Provider;
using anneal::llm::test::FakeLlmServer;

TEST_CASE("an openai api agent improves a file with edit blocks, with drafts, cost and no key in any file",
          "[system][api]") {
  TempRepo repo;
  FakeLlmServer fake(Provider::openai, k_test_key);
  fake.respond_with(drop_filler_reply);
  write_wordy_project(repo,
                      fmt::format("{{kind: api, provider: openai, model: gpt-test, base_url: \"{}\", "
                                  "temperature: 0.8, max_tokens: 500, pricing: {{input: 1000, output: 2000}}}}",
                                  fake.base_url()),
                      "    drafts: 2\n");
  Outcome built = repo.run("OPENAI_API_KEY=" + k_test_key + " ANNEAL_CONFIG_DIR=" +
                           (repo.scratch() / "config").string() + " " + anneal_binary() + " build");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);

  auto requests = fake.received();
  REQUIRE(requests.size() == 6);  // 3 experiments × 2 drafts
  std::multiset<double> temperatures;
  for (const auto& r : requests) {
    CHECK(r.path == "/v1/chat/completions");
    CHECK(r.header("Authorization") == "Bearer " + k_test_key);
    CHECK(r.body.at("model") == "gpt-test");
    CHECK(r.body.at("max_tokens") == 500);
    CHECK(r.body.at("messages").at(0).at("role") == "system");
    CHECK(r.body.at("seed").is_number_integer());
    temperatures.insert(r.body.at("temperature").get<double>());
    CHECK_THAT(user_prompt(r), Catch::Contains("Objective: minimize `count`"));
  }
  CHECK(temperatures == std::multiset<double>{0.4, 0.4, 0.4, 1.2, 1.2, 1.2});

  auto history = repo.history("words");
  REQUIRE(history.size() == 4);
  CHECK(history[0]["score"] == 20);
  for (int i = 1; i <= 3; ++i) {
    INFO(history[i].dump());
    CHECK(history[i]["outcome"] == "kept");
    CHECK(history[i]["score"] == 20 - i);
    CHECK_THAT(history[i]["hypothesis"].get<std::string>(), Catch::StartsWith("drop one filler word"));
    // Two calls of 7 prompt and 3 completion tokens at $1000/$2000 per million.
    CHECK(history[i]["cost_usd"].get<double>() == Approx(2 * 0.013));
  }
  // The third experiment's prompt shows the file as the second one left it.
  CHECK_THAT(user_prompt(requests[4]), Catch::Contains("line 0 filler end"));
  CHECK_THAT(user_prompt(requests[4]), Catch::Contains("drop one filler word"));

  auto status = nlohmann::json::parse(repo.anneal("status --json").out);
  CHECK(status[0]["spent_usd"].get<double>() == Approx(6 * 0.013));
  CHECK(status[0]["spent_today_usd"].get<double>() == Approx(6 * 0.013));

  // Same inputs, same replies: a replay after a changed stage asks the model nothing.
  std::string annealfile = repo.read("Annealfile");
  repo.write("Annealfile", annealfile.replace(annealfile.find("wc -w < text.txt"), 16, "wc -w < ./text.txt"));
  repo.commit("stage spelled differently");
  Outcome replayed = anneal_with(repo, "OPENAI_API_KEY=" + k_test_key, "build");
  INFO(replayed.out << replayed.err);
  CHECK(replayed.status == 0);
  CHECK(fake.received().size() == 6);

  CHECK(files_containing(repo, k_test_key) == "");
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("learnings are consolidated every N experiments, shown to the agent and shared with other targets",
          "[system][api]") {
  TempRepo first, second;
  FakeLlmServer fake(Provider::anthropic, "");
  auto reply = [](const anneal::llm::test::Received& r) {
    if (r.body.value("system", "").find("summarise") != std::string::npos)
      return std::string("- dropping filler words lowers the count\n- one word per experiment is safe");
    return drop_filler_reply(r);
  };
  fake.respond_with(reply);
  std::string agent = fmt::format("{{kind: api, provider: anthropic, model: claude-test, base_url: \"{}\"}}",
                                  fake.base_url());
  std::string knowledge = "    knowledge: {consolidate_every: 2, domain: prose}\n";
  write_wordy_project(first, agent, knowledge, 3);
  // Both projects share one user config directory, as on one machine.
  std::string config = (first.scratch() / "config").string();
  Outcome built = first.run("ANNEAL_CONFIG_DIR=" + config + " " + anneal_binary() + " build");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);

  auto requests = fake.received();
  REQUIRE(requests.size() == 4);  // three mutations and one consolidation after #2
  const auto& summary = requests[2];
  CHECK_THAT(summary.body.at("system").get<std::string>(), Catch::Contains("summarise"));
  CHECK_THAT(user_prompt(summary), Catch::Contains("#2 kept"));
  CHECK_THAT(user_prompt(requests[3]), Catch::Contains("## What earlier experiments taught"));
  CHECK_THAT(user_prompt(requests[3]), Catch::Contains("dropping filler words lowers the count"));
  auto learnings = nlohmann::json::parse(first.read(".anneal/targets/words/learnings.json"));
  CHECK(learnings.at("through") == 2);
  std::string pool = first.run("cat '" + config + "/learnings.jsonl'").out;
  CHECK_THAT(pool, Catch::Contains("\"domain\":\"prose\""));
  CHECK_THAT(pool, Catch::Contains("dropping filler words"));

  // Another repository's target on the same machine hears the lesson.
  write_wordy_project(second, agent, "    knowledge: {domain: prose}\n", 2);
  Outcome other = second.run("ANNEAL_CONFIG_DIR=" + config + " " + anneal_binary() + " build");
  INFO(other.out << other.err);
  REQUIRE(other.status == 0);
  auto later = fake.received();
  REQUIRE(later.size() == 6);
  CHECK_THAT(user_prompt(later[5]), Catch::Contains("## Lessons from other targets"));
  CHECK_THAT(user_prompt(later[5]), Catch::Contains("dropping filler words lowers the count"));
  CHECK(first.fsck_problems() == "");
  CHECK(second.fsck_problems() == "");
}
