// `api` agents when things go wrong, as a user sees it: the Anthropic wire format, a key the
// provider rejects or that is missing, 429/5xx/529 answers retried, retries running out, a
// reply cut short, edit blocks that do not match, a request that hangs. The built anneal talks
// to loopback fakes of the providers; the key never reaches a file or the terminal.
#include <catch2/catch.hpp>

#include <chrono>

#include "api_agent_harness.h"

using namespace anneal::system_test;
using anneal::llm::Provider;
using anneal::llm::test::answer;
using anneal::llm::test::anthropic_error_body;
using anneal::llm::test::FakeLlmServer;
using anneal::llm::test::hang;
using anneal::llm::test::openai_error_body;

namespace {

const std::string k_openai_env = "OPENAI_API_KEY=" + k_test_key;
const std::string k_anthropic_env = "ANTHROPIC_API_KEY=" + k_test_key;

/// Words left in text.txt on the best branch.
int best_word_count(const TempRepo& repo) {
  return std::stoi(repo.run("git show anneal/words:text.txt | wc -w").out);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("an anthropic api agent speaks the Messages API and improves the file", "[system][api]") {
  TempRepo repo;
  FakeLlmServer fake(Provider::anthropic, k_test_key);
  fake.respond_with(drop_filler_reply);
  write_wordy_project(repo, api_agent("anthropic", fake.base_url(), "max_tokens: 300, temperature: 0.5"), "",
                      2);
  Outcome built = anneal_with(repo, k_anthropic_env, "build");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);

  auto requests = fake.received();
  REQUIRE(requests.size() == 2);
  for (const auto& r : requests) {
    INFO(r.raw_body);
    CHECK(r.method == "POST");
    CHECK(r.path == "/v1/messages");
    CHECK(r.header("x-api-key") == k_test_key);
    CHECK(r.header("anthropic-version") == "2023-06-01");
    CHECK(r.header("Authorization") == "");
    CHECK(r.body.at("model") == "claude-test");
    CHECK(r.body.at("max_tokens") == 300);
    CHECK(r.body.at("temperature") == 0.5);
    // The system prompt is a top-level field; the messages hold only the user's turn.
    REQUIRE(r.body.contains("system"));
    CHECK_THAT(r.body.at("system").get<std::string>(), Catch::Contains("<<<<<<< SEARCH"));
    REQUIRE(r.body.at("messages").size() == 1);
    CHECK(r.body.at("messages").at(0).at("role") == "user");
    CHECK_THAT(user_prompt(r), Catch::Contains("Objective: minimize `count`"));
    CHECK(!r.body.contains("seed"));  // the Messages API rejects fields it does not know
  }

  auto history = repo.history("words");
  REQUIRE(history.size() == 3);
  CHECK(history[1]["outcome"] == "kept");
  CHECK(history[2]["outcome"] == "kept");
  CHECK(history[2]["score"] == 18);
  CHECK_THAT(history[1]["hypothesis"].get<std::string>(), Catch::StartsWith("drop one filler word"));
  CHECK(best_word_count(repo) == 18);
  CHECK(repo.read("text.txt") ==
        "line 0 filler filler end\nline 1 filler filler end\n"
        "line 2 filler filler end\nline 3 filler filler end\n");  // checkout untouched

  CHECK(files_containing(repo, k_test_key) == "");
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("a key the provider rejects fails the build, names the variable and is never shown",
          "[system][api]") {
  TempRepo repo;
  // The baseline ran; no experiment was recorded after it.
  auto only_the_baseline = [&]() {
    auto history = repo.history("words");
    return history.size() == 1 && history[0]["outcome"] == "baseline";
  };
  SECTION("openai, whose 401 message quotes the key it was given") {
    FakeLlmServer fake(Provider::openai, "sk-the-key-the-server-wants");
    write_wordy_project(repo, api_agent("openai", fake.base_url()));
    Outcome built = anneal_with(repo, k_openai_env, "build");
    INFO(built.out << built.err);
    CHECK(built.status == 1);
    CHECK_THAT(built.err, Catch::Contains("OPENAI_API_KEY"));
    CHECK_THAT(built.err, Catch::Contains("401"));
    CHECK(built.out.find(k_test_key) == std::string::npos);
    CHECK(built.err.find(k_test_key) == std::string::npos);
    CHECK(fake.received().size() == 1);  // a rejected key is not retried
    CHECK(only_the_baseline());
    // Nothing of the failure is kept: with the right key the next build goes ahead.
    fake.respond_with(drop_filler_reply);
    Outcome fixed = anneal_with(repo, "OPENAI_API_KEY=sk-the-key-the-server-wants", "build --experiments 1");
    INFO(fixed.out << fixed.err);
    CHECK(fixed.status == 0);
    CHECK(fake.received().size() == 2);
    auto history = repo.history("words");
    REQUIRE(history.size() == 2);
    CHECK(history[1]["outcome"] == "kept");
    CHECK(files_containing(repo, "sk-the-key-the-server-wants") == "");
  }
  SECTION("anthropic") {
    FakeLlmServer fake(Provider::anthropic, "sk-ant-the-key-the-server-wants");
    write_wordy_project(repo, api_agent("anthropic", fake.base_url()));
    Outcome built = anneal_with(repo, k_anthropic_env, "build");
    INFO(built.out << built.err);
    CHECK(built.status == 1);
    CHECK_THAT(built.err, Catch::Contains("ANTHROPIC_API_KEY"));
    CHECK(built.err.find(k_test_key) == std::string::npos);
    CHECK(fake.received().size() == 1);
    CHECK(only_the_baseline());
  }
  SECTION("a model the provider does not know (404)") {
    FakeLlmServer fake(Provider::openai, k_test_key);
    fake.script({answer(
        404, openai_error_body("invalid_request_error", "model_not_found",
                               "The model `gpt-test` does not exist or you do not have access to it."))});
    write_wordy_project(repo, api_agent("openai", fake.base_url()));
    Outcome built = anneal_with(repo, k_openai_env, "build");
    INFO(built.out << built.err);
    CHECK(built.status == 1);
    CHECK_THAT(built.err, Catch::Contains("does not exist"));
    CHECK(fake.received().size() == 1);
    CHECK(only_the_baseline());
  }
  CHECK(files_containing(repo, k_test_key) == "");
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("a missing key fails before any experiment unless the endpoint is on this machine",
          "[system][api]") {
  TempRepo repo;
  auto ledger_records = [&]() {
    return repo.exists(".anneal/targets/words/experiments.jsonl") ? repo.history("words").size() : size_t{0};
  };
  SECTION("the public endpoint, the default variable") {
    write_wordy_project(repo, api_agent("openai", "https://api.openai.com/v1"));
    Outcome built = anneal_with(repo, "env -u OPENAI_API_KEY", "build");
    INFO(built.out << built.err);
    CHECK(built.status == 1);
    CHECK_THAT(built.err, Catch::Contains("set the environment variable OPENAI_API_KEY"));
    CHECK(ledger_records() == 0);
  }
  SECTION("the public endpoint, a variable the agent names") {
    write_wordy_project(repo,
                        api_agent("anthropic", "https://api.anthropic.com", "api_key_env: MY_TEAM_KEY"));
    Outcome built = anneal_with(repo, "env -u MY_TEAM_KEY " + k_anthropic_env, "build");
    INFO(built.out << built.err);
    CHECK(built.status == 1);
    CHECK_THAT(built.err, Catch::Contains("set the environment variable MY_TEAM_KEY"));
    CHECK(ledger_records() == 0);
  }
  SECTION("a loopback endpoint needs no key and is sent none") {
    FakeLlmServer fake(Provider::openai, "");
    fake.respond_with(drop_filler_reply);
    write_wordy_project(repo, api_agent("openai", fake.base_url()), "", 2);
    Outcome built = anneal_with(repo, "env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY", "build");
    INFO(built.out << built.err);
    REQUIRE(built.status == 0);
    auto requests = fake.received();
    REQUIRE(requests.size() == 2);
    for (const auto& r : requests)
      CHECK(r.header("Authorization") == "");
    auto history = repo.history("words");
    REQUIRE(history.size() == 3);
    CHECK(history[2]["outcome"] == "kept");
    CHECK(history[2]["cost_usd"] == 0);
  }
  CHECK(files_containing(repo, k_test_key) == "");
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("429 (with Retry-After), 500 and 529 are retried until the call succeeds", "[system][api]") {
  TempRepo repo;
  FakeLlmServer fake(Provider::anthropic, k_test_key);
  fake.script({answer(429,
                      anthropic_error_body("rate_limit_error",
                                           "Number of request tokens has exceeded your rate limit"),
                      {{"Retry-After", "1"}}),
               answer(500, anthropic_error_body("api_error", "Internal server error")),
               answer(529, anthropic_error_body("overloaded_error", "Overloaded"))});
  fake.respond_with(drop_filler_reply);
  write_wordy_project(repo, api_agent("anthropic", fake.base_url()), "", 1);
  auto start = std::chrono::steady_clock::now();
  Outcome built = anneal_with(repo, k_anthropic_env, "build");
  double took = seconds_since(start);
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);

  auto requests = fake.received();
  REQUIRE(requests.size() == 4);
  for (const auto& r : requests)
    CHECK(r.raw_body == requests[0].raw_body);  // the same request each time
  // Waits: 1 s as asked (a 429 uses up no try), then backoff from 1 s doubling with equal
  // jitter for the 500 and the 529, the first and second tries (at least 0.5 s, then 1 s).
  CHECK(took >= 2.4);
  auto history = repo.history("words");
  REQUIRE(history.size() == 2);
  INFO(history[1].dump());
  CHECK(history[1]["outcome"] == "kept");
  CHECK(history[1]["score"] == 19);

  CHECK(files_containing(repo, k_test_key) == "");
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("retries running out crash that experiment only, and the next prompt says why", "[system][api]") {
  TempRepo repo;
  FakeLlmServer fake(Provider::openai, k_test_key);
  std::string server_error =
      openai_error_body("server_error", "", "The server had an error while processing your request.");
  fake.script({answer(500, server_error), answer(500, server_error)});
  fake.respond_with(drop_filler_reply);
  write_wordy_project(repo, api_agent("openai", fake.base_url(), "retries: 2"), "", 2);
  Outcome built = anneal_with(repo, k_openai_env, "build");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);

  auto requests = fake.received();
  REQUIRE(requests.size() == 3);
  auto history = repo.history("words");
  REQUIRE(history.size() == 3);
  INFO(history.dump(1));
  CHECK(history[1]["outcome"] == "crashed");
  std::string detail = history[1]["detail"].get<std::string>();
  CHECK_THAT(detail, Catch::Contains("failed after 2 attempts"));
  CHECK_THAT(detail, Catch::Contains("HTTP 500"));
  CHECK_THAT(detail, Catch::Contains("The server had an error"));
  CHECK(history[2]["outcome"] == "kept");
  CHECK(history[2]["score"] == 19);
  CHECK_THAT(user_prompt(requests[2]), Catch::Contains("#1 crashed"));
  CHECK_THAT(user_prompt(requests[2]), Catch::Contains("failed after 2 attempts"));

  CHECK(files_containing(repo, k_test_key) == "");
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("a reply cut short crashes the experiment, saying the reply cannot be read", "[system][api]") {
  TempRepo repo;
  FakeLlmServer fake(Provider::openai, k_test_key);
  std::string whole = fake.reply_body("Hypothesis: anything\n");
  fake.script({answer(200, whole.substr(0, whole.size() / 2))});
  fake.respond_with(drop_filler_reply);
  write_wordy_project(repo, api_agent("openai", fake.base_url()), "", 2);
  Outcome built = anneal_with(repo, k_openai_env, "build");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);

  auto history = repo.history("words");
  REQUIRE(history.size() == 3);
  INFO(history.dump(1));
  CHECK(history[1]["outcome"] == "crashed");
  CHECK_THAT(history[1]["detail"].get<std::string>(), Catch::Contains("cannot be read"));
  CHECK_THAT(history[1]["detail"].get<std::string>(), Catch::Contains("not valid JSON"));
  CHECK(history[2]["outcome"] == "kept");

  CHECK(files_containing(repo, k_test_key) == "");
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("edit blocks that do not match crash the experiment and the next prompt shows why",
          "[system][api]") {
  TempRepo repo;
  FakeLlmServer fake(Provider::openai, k_test_key);
  fake.script(
      {answer(200, fake.reply_body("Hypothesis: shorten the last line\n\ntext.txt\n<<<<<<< SEARCH\n"
                                   "line 9 filler filler end\n=======\nline 9 end\n>>>>>>> REPLACE\n"))});
  fake.respond_with(drop_filler_reply);
  write_wordy_project(repo, api_agent("openai", fake.base_url()), "", 2);
  Outcome built = anneal_with(repo, k_openai_env, "build");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);

  auto history = repo.history("words");
  REQUIRE(history.size() == 3);
  INFO(history.dump(1));
  CHECK(history[1]["outcome"] == "crashed");
  CHECK(history[1]["hypothesis"] == "shorten the last line");
  std::string detail = history[1]["detail"].get<std::string>();
  CHECK_THAT(detail, Catch::Contains("did not apply"));
  CHECK_THAT(detail, Catch::Contains("text.txt"));
  CHECK(history[2]["outcome"] == "kept");

  auto requests = fake.received();
  REQUIRE(requests.size() == 2);
  std::string next = user_prompt(requests[1]);
  CHECK_THAT(next, Catch::Contains("#1 crashed"));
  CHECK_THAT(next, Catch::Contains("why: edit blocks did not apply"));
  CHECK_THAT(next, Catch::Contains("shorten the last line"));

  CHECK(files_containing(repo, k_test_key) == "");
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("a request that hangs past the agent's timeout crashes its experiment in time", "[system][api]") {
  TempRepo repo;
  FakeLlmServer fake(Provider::openai, k_test_key);
  fake.script({hang()});  // the fake holds it for 10 s
  fake.respond_with(drop_filler_reply);
  write_wordy_project(repo, api_agent("openai", fake.base_url(), "timeout: 1s, retries: 1"), "", 2);
  auto start = std::chrono::steady_clock::now();
  Outcome built = anneal_with(repo, k_openai_env, "build");
  double took = seconds_since(start);
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);
  CHECK(took < 9);  // ended by the 1 s timeout and one retry, not by the fake's 10 s hold

  auto history = repo.history("words");
  REQUIRE(history.size() == 3);
  INFO(history.dump(1));
  CHECK(history[1]["outcome"] == "crashed");
  CHECK_THAT(history[1]["detail"].get<std::string>(), Catch::Contains("timed out"));
  CHECK(history[2]["outcome"] == "kept");
  CHECK(fake.received().size() == 2);

  CHECK(files_containing(repo, k_test_key) == "");
  CHECK(repo.fsck_problems() == "");
}
