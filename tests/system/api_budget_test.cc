// Money and `api` agents, as a user sees it: USD budgets stop a target cleanly before calls
// that could overspend, `build -n` estimates what the next calls could cost without making
// them, the spend shows in `status`, and only calls really made are charged (a replay reuses
// cached replies, `--fresh` asks again).
#include <catch2/catch.hpp>

#include "api_agent_harness.h"

using namespace anneal::system_test;
using anneal::llm::Provider;
using anneal::llm::test::FakeLlmServer;

namespace {

const std::string k_openai_env = "OPENAI_API_KEY=" + k_test_key;

/// The dollar amount printed right after the first `marker` in `text` (-1 when absent).
double dollars_after(const std::string& text, const std::string& marker) {
  size_t at = text.find(marker);
  return at == std::string::npos ? -1 : std::stod(text.substr(at + marker.size()));
}

/// Prompt tokens as anneal estimates them before a call: bytes / 4, rounded up, per part.
size_t estimated_tokens(const std::string& text) {
  return (text.size() + 3) / 4;
}

nlohmann::json status_of(const TempRepo& repo) {
  Outcome status = repo.anneal("status --json");
  REQUIRE(status.status == 0);
  return nlohmann::json::parse(status.out).at(0);
}

}  // namespace

TEST_CASE("calls that could cost more than budget.usd_per_experiment are not made, build -n estimates them",
          "[system][api]") {
  TempRepo repo;
  FakeLlmServer fake(Provider::openai, k_test_key);
  fake.respond_with(drop_filler_reply);
  write_wordy_project(
      repo, api_agent("openai", fake.base_url(), "max_tokens: 100, pricing: {input: 1000, output: 2000}"));
  replace_and_commit(repo, "Annealfile", "budget: {experiments: 3}",
                     "budget: {experiments: 3, usd_per_experiment: 0.000001}");

  Outcome built = anneal_with(repo, k_openai_env, "build");
  std::string said = built.out + built.err;
  INFO(said);
  CHECK(built.status == 0);
  CHECK_THAT(said, Catch::Contains("stopped before experiment #1"));
  CHECK_THAT(said, Catch::Contains("budget.usd_per_experiment ($0.0000)"));
  CHECK(fake.received().empty());
  REQUIRE(repo.history("words").size() == 1);  // the baseline costs nothing and ran
  double stop_estimate = dollars_after(said, "could cost up to $");

  Outcome dry = anneal_with(repo, k_openai_env, "build -n");
  INFO(dry.out << dry.err);
  CHECK(dry.status == 0);
  std::string dry_said = dry.out + dry.err;
  CHECK_THAT(dry_said, Catch::Contains("for experiment #1 (1 LLM call(s))"));
  double dry_estimate = dollars_after(dry_said, "estimated cost: up to $");
  CHECK(dry_estimate == Approx(stop_estimate).margin(0.00006));
  CHECK(fake.received().empty());
  CHECK(repo.history("words").size() == 1);
  CHECK(status_of(repo)["spent_total_usd"] == 0);

  // With room in the budget the call goes out; the estimate was its prompt (system and user
  // parts, bytes / 4) at the input price plus max_tokens at the output price.
  replace_and_commit(repo, "Annealfile", "usd_per_experiment: 0.000001", "usd_per_experiment: 5");
  Outcome raised = anneal_with(repo, k_openai_env, "build");
  INFO(raised.out << raised.err);
  REQUIRE(raised.status == 0);
  auto requests = fake.received();
  REQUIRE(requests.size() == 3);
  const auto& messages = requests[0].body.at("messages");
  size_t prompt_tokens = estimated_tokens(messages.at(0).at("content").get<std::string>()) +
                         estimated_tokens(messages.at(1).at("content").get<std::string>());
  double expected = prompt_tokens * 1000 / 1e6 + 100 * 2000 / 1e6;
  CHECK(stop_estimate == Approx(expected).margin(0.00006));
  CHECK(status_of(repo)["spent_total_usd"].get<double>() == Approx(3 * 0.013));

  CHECK(files_containing(repo, k_test_key) == "");
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("build -n on a new api target estimates the cost of its calls and makes none", "[system][api]") {
  TempRepo repo;
  FakeLlmServer fake(Provider::openai, k_test_key);
  fake.respond_with(drop_filler_reply);
  write_wordy_project(
      repo, api_agent("openai", fake.base_url(), "max_tokens: 100, pricing: {input: 1000, output: 2000}"));
  Outcome dry = anneal_with(repo, k_openai_env, "build -n");
  std::string said = dry.out + dry.err;
  INFO(said);
  CHECK(dry.status == 0);
  CHECK_THAT(said, Catch::Contains("estimated cost: up to $"));
  CHECK_THAT(said, Catch::Contains("for experiment #1 (1 LLM call(s))"));
  CHECK(dollars_after(said, "estimated cost: up to $") > 100 * 2000 / 1e6);  // max_tokens alone
  CHECK(fake.received().empty());
  CHECK(!repo.exists(".anneal/targets/words/experiments.jsonl"));
  CHECK(files_containing(repo, k_test_key) == "");
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("budget.usd_per_day stops the target once the day's spend leaves no room, across builds",
          "[system][api]") {
  TempRepo repo;
  FakeLlmServer fake(Provider::openai, k_test_key);
  fake.respond_with(drop_filler_reply);
  // A call is charged 7 × $1 + 3 × $2000 per million tokens = $0.006007 (what the fake reports);
  // it is estimated at about $0.001 for the prompt + 10 × $0.002 for max_tokens = $0.021.
  // So #1 (0 + 0.021) and #2 (0.006 + 0.021) fit in $0.03 and #3 (0.012 + 0.021) does not.
  write_wordy_project(
      repo, api_agent("openai", fake.base_url(), "max_tokens: 10, pricing: {input: 1, output: 2000}"));
  replace_and_commit(repo, "Annealfile", "budget: {experiments: 3}",
                     "budget: {experiments: 3, usd_per_day: 0.03}");
  const double charge = 7 * 1 / 1e6 + 3 * 2000 / 1e6;

  Outcome built = anneal_with(repo, k_openai_env, "build");
  std::string said = built.out + built.err;
  INFO(said);
  CHECK(built.status == 0);
  CHECK_THAT(said, Catch::Contains("stopped before experiment #3: daily budget reached"));
  CHECK_THAT(said, Catch::Contains("spent $0.0120 of budget.usd_per_day ($0.0300) today"));
  CHECK(fake.received().size() == 2);
  auto history = repo.history("words");
  REQUIRE(history.size() == 3);
  for (int i = 1; i <= 2; ++i) {
    CHECK(history[i]["outcome"] == "kept");
    CHECK(history[i]["cost_usd"].get<double>() == Approx(charge));
  }
  auto status = status_of(repo);
  INFO(status.dump());
  CHECK(status["spent_today_usd"].get<double>() == Approx(2 * charge));
  CHECK(status["spent_total_usd"].get<double>() == Approx(2 * charge));
  CHECK(status["spent_usd"].get<double>() == Approx(2 * charge));

  // The same day, another build stops before any call.
  Outcome again = anneal_with(repo, k_openai_env, "build");
  std::string said_again = again.out + again.err;
  INFO(said_again);
  CHECK(again.status == 0);
  CHECK_THAT(said_again, Catch::Contains("stopped before experiment #3: daily budget reached"));
  CHECK(fake.received().size() == 2);
  CHECK(repo.history("words").size() == 3);
  CHECK(status_of(repo)["spent_today_usd"].get<double>() == Approx(2 * charge));

  CHECK(files_containing(repo, k_test_key) == "");
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("a replay reuses the model's replies at no cost, --fresh asks again and is charged again",
          "[system][api]") {
  TempRepo repo;
  FakeLlmServer fake(Provider::openai, k_test_key);
  fake.respond_with(drop_filler_reply);
  write_wordy_project(repo, api_agent("openai", fake.base_url(), "pricing: {input: 1000, output: 2000}"), "",
                      2);
  Outcome built = anneal_with(repo, k_openai_env, "build");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);
  auto first = fake.received();
  REQUIRE(first.size() == 2);
  CHECK(status_of(repo)["spent_total_usd"].get<double>() == Approx(2 * 0.013));

  replace_and_commit(repo, "Annealfile", "wc -w < text.txt", "wc -w < ./text.txt");
  Outcome replayed = anneal_with(repo, k_openai_env, "build");
  INFO(replayed.out << replayed.err);
  REQUIRE(replayed.status == 0);
  CHECK(fake.received().size() == 2);
  CHECK(status_of(repo)["spent_total_usd"].get<double>() == Approx(2 * 0.013));

  Outcome fresh = anneal_with(repo, k_openai_env, "build --fresh");
  INFO(fresh.out << fresh.err);
  REQUIRE(fresh.status == 0);
  auto all = fake.received();
  REQUIRE(all.size() == 4);
  CHECK(all[2].raw_body == first[0].raw_body);  // the same requests, made again
  CHECK(all[3].raw_body == first[1].raw_body);
  CHECK(status_of(repo)["spent_total_usd"].get<double>() == Approx(4 * 0.013));
  auto history = repo.history("words");
  REQUIRE(history.size() == 3);
  CHECK(history[2]["outcome"] == "kept");
  CHECK(history[2]["score"] == 18);

  CHECK(files_containing(repo, k_test_key) == "");
  CHECK(repo.fsck_problems() == "");
}
