#include "llm/wire_format.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace anneal::llm {
namespace {

bool has_header(const WireRequest& wire, const std::string& header) {
  return std::find(wire.headers.begin(), wire.headers.end(), header) != wire.headers.end();
}

}  // namespace

TEST_CASE("OpenAI's own endpoint gets max_completion_tokens, compatible servers max_tokens", "[llm]") {
  Request request;
  request.model = "gpt-4.1-mini";
  request.messages = {{"user", "hi"}};
  request.max_tokens = 100;
  auto body = nlohmann::json::parse(build_wire_request(request, "k").body);
  CHECK(body["max_completion_tokens"] == 100);
  CHECK_FALSE(body.contains("max_tokens"));
  CHECK_FALSE(body.contains("temperature"));  // unset: the provider's default
  CHECK_FALSE(body.contains("seed"));

  request.base_url = "http://localhost:11434/v1/";
  WireRequest wire = build_wire_request(request, "");
  CHECK(wire.url == "http://localhost:11434/v1/chat/completions");
  CHECK(nlohmann::json::parse(wire.body)["max_tokens"] == 100);
  CHECK_FALSE(has_header(wire, "Authorization: Bearer "));  // no key, no header
  for (const std::string& header : wire.headers) {
    CHECK(header.find("Authorization") == std::string::npos);
  }
}

TEST_CASE("Anthropic requests go to the public endpoint by default", "[llm]") {
  Request request;
  request.provider = Provider::anthropic;
  request.model = "claude-sonnet-4-5";
  request.messages = {{"user", "hi"}};
  WireRequest wire = build_wire_request(request, "sk-ant");
  CHECK(wire.url == "https://api.anthropic.com/v1/messages");
  CHECK(has_header(wire, "x-api-key: sk-ant"));
  CHECK(has_header(wire, "anthropic-version: 2023-06-01"));
  auto body = nlohmann::json::parse(wire.body);
  CHECK(body["max_tokens"] == 4096);  // required by Anthropic, so always sent
  CHECK_FALSE(body.contains("system"));
}

TEST_CASE("parse_reply reads text, stop reason and usage", "[llm]") {
  SECTION("OpenAI") {
    auto reply = parse_reply(
        Provider::openai, R"({"id":"c1","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},
      "finish_reason":"length"}],"usage":{"prompt_tokens":11,"completion_tokens":5,"total_tokens":16}})");
    REQUIRE(reply);
    CHECK(reply->text == "ok");
    CHECK(reply->stop_reason == "length");
    CHECK(reply->input_tokens == 11);
    CHECK(reply->output_tokens == 5);
  }
  SECTION("OpenAI-compatible server without usage counts no tokens") {
    auto reply =
        parse_reply(Provider::openai, R"({"choices":[{"message":{"role":"assistant","content":"ok"}}]})");
    REQUIRE(reply);
    CHECK(reply->input_tokens == 0);
  }
  SECTION("Anthropic joins its text blocks") {
    auto reply = parse_reply(Provider::anthropic, R"({"id":"m1","type":"message","role":"assistant",
      "content":[{"type":"text","text":"a"},{"type":"tool_use","id":"t","name":"x","input":{}},{"type":"text","text":"b"}],
      "stop_reason":"max_tokens","usage":{"input_tokens":20,"output_tokens":9}})");
    REQUIRE(reply);
    CHECK(reply->text == "ab");
    CHECK(reply->stop_reason == "max_tokens");
    CHECK(reply->input_tokens == 20);
    CHECK(reply->output_tokens == 9);
  }
}

TEST_CASE("parse_reply turns a malformed reply into an error with the reason", "[llm]") {
  auto message = [](Provider provider, std::string_view body) {
    auto reply = parse_reply(provider, body);
    REQUIRE_FALSE(reply);
    return reply.error().message;
  };
  CHECK(message(Provider::openai, "") == "the reply is not valid JSON (0 bytes; truncated?)");
  CHECK(message(Provider::openai, R"({"choices":[{"message":{"role":"assis)") ==
        "the reply is not valid JSON (37 bytes; truncated?)");
  CHECK(message(Provider::openai, "[1,2]") == "the reply is not a JSON object");
  CHECK(message(Provider::openai, R"({"choices":[]})") == "the reply has no choices");
  CHECK(message(Provider::openai, R"({"choices":[42]})") == "the reply's first choice has no message");
  CHECK(message(Provider::openai,
                R"({"choices":[{"message":{"role":"assistant","content":null,"refusal":"I can't"},
    "finish_reason":"stop"}]})") ==
        "the reply's message has no text content (finish_reason: stop); refusal: I can't");
  CHECK(message(Provider::openai, R"({"error":{"message":"upstream down","type":"server_error"}})") ==
        "the reply is an error: upstream down");
  CHECK(message(Provider::anthropic, R"({"type":"message","content":"text"})") == "the reply has no content");
  CHECK(message(Provider::anthropic, R"({"type":"message","content":[],"stop_reason":"refusal"})") ==
        "the reply has no text content (stop_reason: refusal)");
  CHECK(message(Provider::anthropic, R"({"content":[{"type":"text","text":1}]})") ==
        "the reply has no text content (stop_reason: none)");
}

TEST_CASE("parse_error reads either provider's error shape", "[llm]") {
  ApiError openai = parse_error(
      R"({"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}})");
  CHECK(openai.type == "requests");
  CHECK(openai.message == "Rate limit reached");
  ApiError anthropic =
      parse_error(R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  CHECK(anthropic.type == "overloaded_error");
  CHECK(anthropic.message == "Overloaded");
  CHECK(parse_error(R"({"error":"model 'x' not found"})").message == "model 'x' not found");
  CHECK(parse_error("<html>Bad Gateway</html>").message.empty());
}

}  // namespace anneal::llm
