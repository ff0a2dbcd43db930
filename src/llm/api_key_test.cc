#include "llm/api_key.h"

#include <catch2/catch.hpp>

#include <cstdlib>

namespace anneal::llm {

TEST_CASE("the API key comes from the variable the agent names", "[llm]") {
  Request request;
  request.provider = Provider::anthropic;
  ::unsetenv("ANNEAL_TEST_LLM_KEY");

  SECTION("a missing key names the variable to set") {
    auto key = read_api_key(request, "ANNEAL_TEST_LLM_KEY");
    REQUIRE_FALSE(key);
    CHECK(key.error().message ==
          "no API key for anthropic at https://api.anthropic.com: set the environment variable "
          "ANNEAL_TEST_LLM_KEY");
  }
  SECTION("an empty variable counts as missing") {
    ::setenv("ANNEAL_TEST_LLM_KEY", "", 1);
    CHECK_FALSE(read_api_key(request, "ANNEAL_TEST_LLM_KEY"));
  }
  SECTION("a set variable is read") {
    ::setenv("ANNEAL_TEST_LLM_KEY", "sk-ant-xyz", 1);
    auto key = read_api_key(request, "ANNEAL_TEST_LLM_KEY");
    REQUIRE(key);
    CHECK(key->value() == "sk-ant-xyz");
    CHECK(key->env_var() == "ANNEAL_TEST_LLM_KEY");
  }
  SECTION("a loopback endpoint needs no key") {
    request.provider = Provider::openai;
    request.base_url = "http://127.0.0.1:8080/v1";
    auto key = read_api_key(request, "ANNEAL_TEST_LLM_KEY");
    REQUIRE(key);
    CHECK(key->value().empty());
  }
  ::unsetenv("ANNEAL_TEST_LLM_KEY");
}

TEST_CASE("the default variables are the providers' own", "[llm]") {
  CHECK(default_key_env(Provider::openai) == "OPENAI_API_KEY");
  CHECK(default_key_env(Provider::anthropic) == "ANTHROPIC_API_KEY");
}

TEST_CASE("is_loopback_url recognises this machine only", "[llm]") {
  CHECK(is_loopback_url("http://localhost:11434/v1"));
  CHECK(is_loopback_url("http://127.0.0.1:8080"));
  CHECK(is_loopback_url("http://[::1]:8000/v1"));
  CHECK(is_loopback_url("http://user:pw@localhost/v1"));
  CHECK_FALSE(is_loopback_url("https://api.openai.com/v1"));
  CHECK_FALSE(is_loopback_url("http://localhost.evil.com/v1"));
  CHECK_FALSE(is_loopback_url("http://127.example.com/v1"));
}

}  // namespace anneal::llm
