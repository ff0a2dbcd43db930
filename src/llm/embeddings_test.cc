#include "llm/embeddings.h"

#include <catch2/catch.hpp>

#include <chrono>

#include "llm/fake_llm_server.h"

namespace anneal::llm {
namespace {

using Catch::Matchers::Contains;
using std::chrono::milliseconds;
using test::FakeLlmServer;

const std::string k_key = "sk-test-SECRET-embed-0123456789";

Client quick_client(std::vector<milliseconds>* waits, int attempts = 3) {
  return Client(ClientOptions{{}, RetryPolicy{attempts, milliseconds(1000), milliseconds(60'000), milliseconds(30'000)},
                              [waits](milliseconds wait) { waits->push_back(wait); }, [] { return 0.5; }});
}

EmbeddingRequest request_for(const FakeLlmServer& server, std::vector<std::string> inputs) {
  return EmbeddingRequest{"text-embedding-3-small", server.base_url(), std::move(inputs)};
}

ApiKey key() {
  return ApiKey(k_key, "OPENAI_API_KEY");
}

}  // namespace

TEST_CASE("embed sends the documented request and reads vectors by their index", "[llm][embeddings]") {
  FakeLlmServer server(Provider::openai, k_key);
  std::vector<milliseconds> waits;
  Client client = quick_client(&waits);
  auto reply = embed(client, request_for(server, {"abc", "hello world"}), key());
  REQUIRE(reply);
  auto seen = server.received();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].path == "/v1/embeddings");
  CHECK(seen[0].header("Authorization") == "Bearer " + k_key);
  CHECK(seen[0].header("Content-Type") == "application/json");
  CHECK(seen[0].body == nlohmann::json{{"model", "text-embedding-3-small"}, {"input", {"abc", "hello world"}}});
  // The fake lists the data last input first: the vectors still come back in input order.
  REQUIRE(reply->vectors.size() == 2);
  CHECK(reply->vectors[0] == std::vector<float>{3, 0, 1});
  CHECK(reply->vectors[1] == std::vector<float>{11, 1, 1});
  CHECK(reply->input_tokens == 5);
}

TEST_CASE("embed retries 429 and 5xx as the server asks, and gives up with its message", "[llm][embeddings]") {
  FakeLlmServer server(Provider::openai, k_key);
  std::vector<milliseconds> waits;
  Client client = quick_client(&waits);
  server.script({test::answer(429, test::openai_error_body("requests", "rate_limit_exceeded",
                                                           "Rate limit reached for text-embedding-3-small"),
                              {{"Retry-After", "2"}}),
                 test::answer(503, test::openai_error_body("server_error", "", "The server is overloaded"))});
  auto reply = embed(client, request_for(server, {"one"}), key());
  REQUIRE(reply);
  CHECK(server.received().size() == 3);
  // The 429's wait is what it asked for and uses up no try (client.h), so the 503 after it
  // gets the first retry's backoff.
  CHECK(waits == std::vector<milliseconds>{milliseconds(2000), milliseconds(750)});

  server.script({test::answer(500, test::openai_error_body("server_error", "", "boom")),
                 test::answer(500, test::openai_error_body("server_error", "", "boom")),
                 test::answer(500, test::openai_error_body("server_error", "", "still broken"))});
  auto failed = embed(client, request_for(server, {"one"}), key());
  REQUIRE_FALSE(failed);
  CHECK_THAT(failed.error().message, Contains("failed after 3 attempts"));
  CHECK_THAT(failed.error().message, Contains("HTTP 500 server_error: still broken"));
  CHECK_THAT(failed.error().message, Contains(server.base_url() + "/embeddings"));
}

TEST_CASE("embed does not retry a refused request, and never shows the key", "[llm][embeddings]") {
  FakeLlmServer server(Provider::openai, k_key);
  std::vector<milliseconds> waits;
  Client client = quick_client(&waits);
  server.script({test::answer(400, test::openai_error_body("invalid_request_error", "model_not_found",
                                                           "The model `nope` does not exist"))});
  auto refused = embed(client, request_for(server, {"one"}), key());
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Contains("refused the request"));
  CHECK_THAT(refused.error().message, Contains("The model `nope` does not exist"));
  CHECK(server.received().size() == 1);

  auto wrong = embed(client, request_for(server, {"one"}), ApiKey("sk-wrong-KEY-42", "EMBED_KEY"));
  REQUIRE_FALSE(wrong);
  CHECK_THAT(wrong.error().message, Contains("rejected the API key"));
  CHECK_THAT(wrong.error().message, Contains("EMBED_KEY"));
  CHECK_THAT(wrong.error().message, !Contains("sk-wrong-KEY-42"));
}

TEST_CASE("embed refuses an empty text before sending anything", "[llm][embeddings]") {
  FakeLlmServer server(Provider::openai, k_key);
  std::vector<milliseconds> waits;
  Client client = quick_client(&waits);
  auto reply = embed(client, request_for(server, {"fine", ""}), key());
  REQUIRE_FALSE(reply);
  CHECK_THAT(reply.error().message, Contains("input 1 is empty"));
  CHECK(server.received().empty());
}

TEST_CASE("an embeddings reply that cannot be right is an error saying why", "[llm][embeddings]") {
  auto vector_item = [](int index, nlohmann::json embedding) {
    return nlohmann::json{{"object", "embedding"}, {"index", index}, {"embedding", std::move(embedding)}};
  };
  auto body = [](nlohmann::json data) { return nlohmann::json{{"object", "list"}, {"data", std::move(data)}}.dump(); };
  auto problem = [](const std::string& text, size_t inputs) {
    auto parsed = parse_embedding_reply(text, inputs);
    REQUIRE_FALSE(parsed);
    return parsed.error().message;
  };
  CHECK_THAT(problem("{\"data\": [", 1), Contains("not valid JSON"));
  CHECK_THAT(problem(R"({"error": {"message": "quota exceeded", "type": "insufficient_quota"}})", 1),
             Contains("the reply is an error: quota exceeded"));
  CHECK_THAT(problem(body({vector_item(0, {1.0})}), 2), Contains("1 embeddings for 2 inputs"));
  CHECK_THAT(problem(body({vector_item(0, {1.0}), vector_item(0, {2.0})}), 2), Contains("index 0 twice"));
  CHECK_THAT(problem(body({vector_item(3, {1.0})}), 1), Contains("outside 0..0"));
  CHECK_THAT(problem(body({vector_item(0, "AAAAPw==")}), 1), Contains("base64 is not read"));
  CHECK_THAT(problem(body({vector_item(0, {1.0, "x"})}), 1), Contains("not a finite number"));
  CHECK_THAT(problem(body({vector_item(0, {1.0, 2.0}), vector_item(1, {1.0})}), 2),
             Contains("differ in length (2 and 1)"));
  auto good = parse_embedding_reply(body({vector_item(1, {0.5, 0.5}), vector_item(0, {1.0, 0.0})}), 2);
  REQUIRE(good);
  CHECK(good->vectors == std::vector<std::vector<float>>{{1.0f, 0.0f}, {0.5f, 0.5f}});
  CHECK(good->input_tokens == 0);  // no usage: nothing billed
}

TEST_CASE("a long list is embedded in requests of at most 2048 inputs", "[llm][embeddings]") {
  FakeLlmServer server(Provider::openai, "");
  std::vector<milliseconds> waits;
  Client client = quick_client(&waits);
  std::vector<std::string> inputs;
  for (size_t i = 0; i < k_max_embedding_inputs + 3; ++i)
    inputs.push_back("text " + std::to_string(i));
  auto reply = embed(client, request_for(server, inputs), ApiKey("", "OPENAI_API_KEY"));
  REQUIRE(reply);
  auto seen = server.received();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].header("Authorization").empty());
  CHECK(seen[0].body["input"].size() == k_max_embedding_inputs);
  CHECK(seen[1].body["input"].size() == 3);
  REQUIRE(reply->vectors.size() == inputs.size());
  CHECK(reply->vectors.back() == std::vector<float>{static_cast<float>(inputs.back().size()), 2, 1});
  CHECK(reply->input_tokens == 10);
}

}  // namespace anneal::llm
