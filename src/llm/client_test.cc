#include "llm/client.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "llm/fake_llm_server.h"

namespace anneal::llm {
namespace {

using Catch::Matchers::Contains;
using std::chrono::milliseconds;
using test::FakeLlmServer;
using test::Scripted;

const std::string k_key = "sk-test-SECRET-0123456789";

// A client that records the waits it would make instead of making them.
struct RecordingClient {
  std::vector<milliseconds> waits;
  Client client;

  explicit RecordingClient(int max_attempts = 4, HttpTimeouts timeouts = {},
                           milliseconds rate_limit_wait = milliseconds(600'000))
      : client(ClientOptions{
            timeouts,
            RetryPolicy{max_attempts, milliseconds(1000), milliseconds(60'000), milliseconds(30'000), rate_limit_wait},
            [this](milliseconds wait) { waits.push_back(wait); }, [] { return 0.5; }}) {}
};

Request request_for(Provider provider, const FakeLlmServer& server) {
  Request request;
  request.provider = provider;
  request.model = provider == Provider::anthropic ? "claude-test" : "gpt-test";
  request.base_url = server.base_url();
  request.system = "You improve code.";
  request.messages = {{"user", "Make it faster."}};
  request.temperature = 0.7;
  request.max_tokens = 256;
  request.seed = 42;
  return request;
}

ApiKey key_for(Provider provider) {
  return ApiKey(k_key, std::string(default_key_env(provider)));
}

// A loopback port that was free a moment ago and now refuses connections.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

void check_no_key(const Result<Reply>& reply) {
  REQUIRE_FALSE(reply);
  CHECK_THAT(reply.error().message, !Contains(k_key));
}

}  // namespace

TEST_CASE("client sends the documented OpenAI request and reads the reply", "[llm]") {
  FakeLlmServer server(Provider::openai, k_key);
  RecordingClient recording;
  auto reply = recording.client.send(request_for(Provider::openai, server), key_for(Provider::openai));
  REQUIRE(reply);
  CHECK(reply->text == "hello");
  CHECK(reply->stop_reason == "stop");
  CHECK(reply->id == "chatcmpl-01");
  CHECK(reply->input_tokens == 7);
  CHECK(reply->output_tokens == 3);

  auto received = server.received();
  REQUIRE(received.size() == 1);
  CHECK(received[0].method == "POST");
  CHECK(received[0].path == "/v1/chat/completions");
  CHECK(received[0].header("Authorization") == "Bearer " + k_key);
  CHECK(received[0].header("Content-Type") == "application/json");
  const auto& body = received[0].body;
  CHECK(body["model"] == "gpt-test");
  CHECK(body["messages"] == nlohmann::json::parse(R"([{"role":"system","content":"You improve code."},
                                                      {"role":"user","content":"Make it faster."}])"));
  CHECK(body["temperature"] == 0.7);
  CHECK(body["max_tokens"] == 256);  // a compatible server, not api.openai.com
  CHECK(body["seed"] == 42);
  CHECK(recording.waits.empty());
}

TEST_CASE("client sends the documented Anthropic request and reads the reply", "[llm]") {
  FakeLlmServer server(Provider::anthropic, k_key);
  RecordingClient recording;
  auto reply = recording.client.send(request_for(Provider::anthropic, server), key_for(Provider::anthropic));
  REQUIRE(reply);
  CHECK(reply->text == "hello");
  CHECK(reply->stop_reason == "end_turn");
  CHECK(reply->input_tokens == 7);
  CHECK(reply->output_tokens == 3);

  auto received = server.received();
  REQUIRE(received.size() == 1);
  CHECK(received[0].method == "POST");
  CHECK(received[0].path == "/v1/messages");
  CHECK(received[0].header("x-api-key") == k_key);
  CHECK(received[0].header("anthropic-version") == "2023-06-01");
  CHECK(received[0].header("content-type") == "application/json");
  CHECK(received[0].header("Authorization").empty());
  const auto& body = received[0].body;
  CHECK(body["model"] == "claude-test");
  CHECK(body["max_tokens"] == 256);
  CHECK(body["system"] == "You improve code.");
  CHECK(body["messages"] == nlohmann::json::parse(R"([{"role":"user","content":"Make it faster."}])"));
  CHECK(body["temperature"] == 0.7);
  CHECK_FALSE(body.contains("seed"));
}

TEST_CASE("a rejected key fails at once, naming the variable that holds it", "[llm]") {
  Provider provider = GENERATE(Provider::openai, Provider::anthropic);
  FakeLlmServer server(provider, "sk-the-right-one");
  RecordingClient recording;
  auto reply = recording.client.send(request_for(provider, server), key_for(provider));
  check_no_key(reply);
  CHECK(reply.error().message.find("HTTP 401"));
  CHECK_THAT(reply.error().message, Contains(std::string(default_key_env(provider))));
  if (provider == Provider::openai) {
    CHECK_THAT(reply.error().message,
               Contains("Incorrect API key provided: [redacted]"));  // OpenAI echoes the key
  }
  CHECK(server.received().size() == 1);
  CHECK(recording.waits.empty());
}

TEST_CASE("client retries what the server says is temporary", "[llm]") {
  SECTION("429 with Retry-After: waits what it says, then succeeds") {
    FakeLlmServer server(Provider::openai, k_key);
    server.script(
        {test::answer(429, test::openai_error_body("requests", "rate_limit_exceeded", "Rate limit reached"),
                      {{"Retry-After", "2"}})});
    RecordingClient recording;
    auto reply = recording.client.send(request_for(Provider::openai, server), key_for(Provider::openai));
    REQUIRE(reply);
    CHECK(reply->text == "hello");
    CHECK(recording.waits == std::vector<milliseconds>{milliseconds(2000)});
    CHECK(server.received().size() == 2);
  }
  SECTION("a Retry-After longer than the cap is capped") {
    FakeLlmServer server(Provider::anthropic, k_key);
    server.script({test::answer(429, test::anthropic_error_body("rate_limit_error", "slow down"),
                                {{"retry-after", "3600"}})});
    RecordingClient recording;
    REQUIRE(recording.client.send(request_for(Provider::anthropic, server), key_for(Provider::anthropic)));
    CHECK(recording.waits == std::vector<milliseconds>{milliseconds(30'000)});
  }
  SECTION("500 then success, after a jittered backoff") {
    FakeLlmServer server(Provider::openai, k_key);
    server.script(
        {test::answer(500, test::openai_error_body("server_error", "", "The server had an error"))});
    RecordingClient recording;
    auto reply = recording.client.send(request_for(Provider::openai, server), key_for(Provider::openai));
    REQUIRE(reply);
    // initial backoff 1 s with equal jitter at u = 0.5: 0.5 s + 0.25 s
    CHECK(recording.waits == std::vector<milliseconds>{milliseconds(750)});
  }
  SECTION("529 overloaded then success") {
    FakeLlmServer server(Provider::anthropic, k_key);
    server.script({test::answer(529, test::anthropic_error_body("overloaded_error", "Overloaded")),
                   test::answer(529, test::anthropic_error_body("overloaded_error", "Overloaded"))});
    RecordingClient recording;
    auto reply =
        recording.client.send(request_for(Provider::anthropic, server), key_for(Provider::anthropic));
    REQUIRE(reply);
    CHECK(reply->text == "hello");
    CHECK(recording.waits == std::vector<milliseconds>{milliseconds(750), milliseconds(1500)});
    CHECK(server.received().size() == 3);
  }
}

TEST_CASE("a 429 is the provider saying not yet: retried as it asks without using up a try", "[llm]") {
  const std::string limited =
      test::openai_error_body("requests", "rate_limit_exceeded", "Rate limit reached for gpt-test");
  SECTION("retry-after-ms is read before retry-after, and three 429s fit in one try") {
    FakeLlmServer server(Provider::openai, k_key);
    server.script({test::answer(429, limited, {{"retry-after", "1"}, {"retry-after-ms", "150"}}),
                   test::answer(429, limited, {{"retry-after", "1"}, {"retry-after-ms", "40.5"}}),
                   test::answer(429, limited, {{"retry-after", "2"}})});
    RecordingClient recording(1);
    auto reply = recording.client.send(request_for(Provider::openai, server), key_for(Provider::openai));
    REQUIRE(reply);
    CHECK(reply->text == "hello");
    CHECK(recording.waits == std::vector<milliseconds>{milliseconds(150), milliseconds(40), milliseconds(2000)});
    CHECK(recording.client.last_rate_limited() == 3);
    CHECK(server.received().size() == 4);
  }
  SECTION("a 5xx still uses up a try between 429s") {
    FakeLlmServer server(Provider::openai, k_key);
    server.script({test::answer(429, limited, {{"retry-after-ms", "10"}}),
                   test::answer(500, test::openai_error_body("server_error", "", "The server had an error"))});
    RecordingClient recording(1);
    auto reply = recording.client.send(request_for(Provider::openai, server), key_for(Provider::openai));
    REQUIRE_FALSE(reply);
    CHECK_THAT(reply.error().message, Contains("failed after 1 attempt"));
    CHECK_THAT(reply.error().message, Contains("HTTP 500"));
  }
  SECTION("waiting on 429s is bounded") {
    FakeLlmServer server(Provider::openai, k_key);
    std::vector<Scripted> answers(10, test::answer(429, limited, {{"retry-after", "20"}}));
    server.script(answers);
    RecordingClient recording(5, {}, milliseconds(50'000));
    auto reply = recording.client.send(request_for(Provider::openai, server), key_for(Provider::openai));
    check_no_key(reply);
    // 20 s, 20 s, and a third 20 s would pass the 50 s allowed for waiting on 429s.
    CHECK(recording.waits == std::vector<milliseconds>{milliseconds(20'000), milliseconds(20'000)});
    CHECK_THAT(reply.error().message, Contains("still rate limited after 3 answers of HTTP 429 and 40 s"));
    CHECK_THAT(reply.error().message, Contains("Rate limit reached for gpt-test"));
    CHECK(server.received().size() == 3);
  }
  SECTION("insufficient_quota is not retried: waiting does not pay the bill") {
    FakeLlmServer server(Provider::openai, k_key);
    server.script({test::answer(429, test::openai_error_body("insufficient_quota", "insufficient_quota",
                                                             "You exceeded your current quota"),
                                {{"retry-after", "1"}})});
    RecordingClient recording;
    auto reply = recording.client.send(request_for(Provider::openai, server), key_for(Provider::openai));
    check_no_key(reply);
    CHECK_THAT(reply.error().message, Contains("You exceeded your current quota"));
    CHECK_THAT(reply.error().message, Contains("quota is used up"));
    CHECK(recording.waits.empty());
    CHECK(server.received().size() == 1);
  }
}

TEST_CASE("client gives up with the last status after the last try", "[llm]") {
  FakeLlmServer server(Provider::anthropic, k_key);
  server.script({test::answer(529, test::anthropic_error_body("overloaded_error", "Overloaded")),
                 test::answer(503, test::anthropic_error_body("api_error", "Internal")),
                 test::answer(529, test::anthropic_error_body("overloaded_error", "Overloaded, " + k_key))});
  RecordingClient recording(3);
  auto reply = recording.client.send(request_for(Provider::anthropic, server), key_for(Provider::anthropic));
  check_no_key(reply);
  const std::string& message = reply.error().message;
  CHECK_THAT(message, Contains("failed after 3 attempts"));
  CHECK_THAT(message, Contains("HTTP 529 overloaded_error: Overloaded"));
  CHECK(server.received().size() == 3);
  CHECK(recording.waits.size() == 2);
}

TEST_CASE("client does not retry a request the server refuses", "[llm]") {
  FakeLlmServer server(Provider::openai, k_key);
  server.script({test::answer(400, test::openai_error_body("invalid_request_error", "model_not_found",
                                                           "The model `gpt-x` does not exist"))});
  RecordingClient recording;
  auto reply = recording.client.send(request_for(Provider::openai, server), key_for(Provider::openai));
  check_no_key(reply);
  CHECK_THAT(reply.error().message,
             Contains("HTTP 400 invalid_request_error: The model `gpt-x` does not exist"));
  CHECK(server.received().size() == 1);
}

TEST_CASE("a reply slower than the total timeout fails fast, saying so", "[llm]") {
  FakeLlmServer server(Provider::openai, k_key);
  server.script({test::hang(), test::hang()});
  RecordingClient recording(2, HttpTimeouts{milliseconds(1000), milliseconds(200)});
  auto started = std::chrono::steady_clock::now();
  auto reply = recording.client.send(request_for(Provider::openai, server), key_for(Provider::openai));
  check_no_key(reply);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
  CHECK_THAT(reply.error().message, Contains("timed out"));
  CHECK_THAT(reply.error().message, Contains("total timeout 0.2 s"));
  CHECK(server.received().size() == 2);
}

TEST_CASE("a network failure is retried, then reported", "[llm]") {
  int port = free_port();
  Request request;
  request.model = "gpt-test";
  request.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  request.messages = {{"user", "hi"}};
  RecordingClient recording(3);
  auto reply = recording.client.send(request, key_for(Provider::openai));
  check_no_key(reply);
  CHECK_THAT(reply.error().message, Contains("failed after 3 attempts"));
  CHECK(recording.waits.size() == 2);
}

TEST_CASE("a base URL curl cannot use fails at once", "[llm]") {
  Request request;
  request.model = "gpt-test";
  request.base_url = "htp://127.0.0.1:1/v1";
  request.messages = {{"user", "hi"}};
  RecordingClient recording;
  auto reply = recording.client.send(request, key_for(Provider::openai));
  check_no_key(reply);
  CHECK_THAT(reply.error().message, Contains("openai request to htp://127.0.0.1:1/v1/chat/completions failed: "));
  CHECK(recording.waits.empty());
}

TEST_CASE("an unreadable reply fails that call with the reason", "[llm]") {
  Provider provider = GENERATE(Provider::openai, Provider::anthropic);
  FakeLlmServer server(provider, k_key);
  std::string good = server.reply_body("hello");
  SECTION("truncated JSON") {
    server.script({test::answer(200, good.substr(0, good.size() / 2))});
    auto reply = RecordingClient().client.send(request_for(provider, server), key_for(provider));
    check_no_key(reply);
    CHECK_THAT(reply.error().message, Contains("not valid JSON"));
  }
  SECTION("no choices or content") {
    auto body = nlohmann::json::parse(good);
    body.erase(provider == Provider::anthropic ? "content" : "choices");
    server.script({test::answer(200, body.dump())});
    auto reply = RecordingClient().client.send(request_for(provider, server), key_for(provider));
    check_no_key(reply);
    CHECK_THAT(reply.error().message,
               Contains(provider == Provider::anthropic ? "no content" : "no choices"));
  }
  CHECK(server.received().size() == 1);
}

TEST_CASE("token counts no real reply has fail the call instead of being billed", "[llm]") {
  Provider provider = GENERATE(Provider::openai, Provider::anthropic);
  FakeLlmServer server(provider, k_key);
  auto with_usage = [&](int64_t in, int64_t out) {
    auto body = nlohmann::json::parse(server.reply_body("hello"));
    if (provider == Provider::anthropic)
      body["usage"] = {{"input_tokens", in}, {"output_tokens", out}};
    else
      body["usage"] = {{"prompt_tokens", in}, {"completion_tokens", out}, {"total_tokens", in + out}};
    return body.dump();
  };
  Request request = request_for(provider, server);  // max_tokens 256
  SECTION("a negative count") {
    server.script({test::answer(200, with_usage(-316930000, 3))});
    auto reply = RecordingClient().client.send(request, key_for(provider));
    REQUIRE_FALSE(reply);
    CHECK_THAT(reply.error().message, Contains("the reply reports -316930000 prompt tokens, a negative count; "
                                               "it is not billed"));
  }
  SECTION("more tokens than any reply") {
    server.script({test::answer(200, with_usage(20'000'000, 3))});
    auto reply = RecordingClient().client.send(request, key_for(provider));
    REQUIRE_FALSE(reply);
    CHECK_THAT(reply.error().message, Contains("20000000 prompt tokens, more than any real reply"));
  }
  SECTION("completion tokens far beyond max_tokens") {
    server.script({test::answer(200, with_usage(7, 5000))});
    auto reply = RecordingClient().client.send(request, key_for(provider));
    REQUIRE_FALSE(reply);
    CHECK_THAT(reply.error().message, Contains("5000 completion tokens, far more than the request's max_tokens (256)"));
  }
  SECTION("a few over max_tokens is a server's rounding, and billed") {
    server.script({test::answer(200, with_usage(7, 260))});
    auto reply = RecordingClient().client.send(request, key_for(provider));
    REQUIRE(reply);
    CHECK(reply->output_tokens == 260);
  }
  CHECK(server.received().size() == 1);  // never retried: the same server would say the same
}

TEST_CASE("the fake rejects temperatures the real providers reject, in their words", "[llm]") {
  SECTION("anthropic: above 1") {
    FakeLlmServer server(Provider::anthropic, k_key);
    Request request = request_for(Provider::anthropic, server);
    request.temperature = 1.5;
    auto reply = RecordingClient().client.send(request, key_for(Provider::anthropic));
    REQUIRE_FALSE(reply);
    CHECK_THAT(reply.error().message, Contains("HTTP 400 invalid_request_error: temperature: range: 0..1"));
  }
  SECTION("openai: above 2") {
    FakeLlmServer server(Provider::openai, k_key);
    Request request = request_for(Provider::openai, server);
    request.temperature = 2.5;
    auto reply = RecordingClient().client.send(request, key_for(Provider::openai));
    REQUIRE_FALSE(reply);
    CHECK_THAT(reply.error().message, Contains("Invalid 'temperature': decimal above maximum value. Expected a "
                                               "value <= 2, but got 2.5 instead."));
  }
  SECTION("openai: any temperature for a reasoning model") {
    FakeLlmServer server(Provider::openai, k_key);
    Request request = request_for(Provider::openai, server);
    request.model = GENERATE(as<std::string>{}, "o3", "o4-mini", "gpt-5-mini");
    request.temperature = 0.2;
    auto reply = RecordingClient().client.send(request, key_for(Provider::openai));
    REQUIRE_FALSE(reply);
    CHECK_THAT(reply.error().message, Contains("Unsupported value: 'temperature' does not support 0.2 with this "
                                               "model. Only the default (1) value is supported."));
    request.temperature.reset();
    CHECK(RecordingClient().client.send(request, key_for(Provider::openai)));
  }
}

TEST_CASE("Retry-After is read as seconds or as an HTTP date", "[llm]") {
  CHECK(parse_retry_after("2") == milliseconds(2000));
  CHECK(parse_retry_after("0.5") == milliseconds(500));
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == milliseconds(0));  // in the past: no wait
  CHECK_FALSE(parse_retry_after("soon"));
}

}  // namespace anneal::llm
