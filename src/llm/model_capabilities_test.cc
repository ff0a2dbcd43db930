#include "llm/model_capabilities.h"

#include <catch2/catch.hpp>

namespace anneal::llm {
namespace {

TEST_CASE("each provider's documented temperature range", "[llm]") {
  CHECK(temperature_range(Provider::openai).min == 0.0);
  CHECK(temperature_range(Provider::openai).max == 2.0);
  CHECK(temperature_range(Provider::anthropic).min == 0.0);
  CHECK(temperature_range(Provider::anthropic).max == 1.0);
}

TEST_CASE("OpenAI's reasoning models take only their default temperature", "[llm]") {
  for (const char* model : {"o1", "o1-mini", "o1-2024-12-17", "o3", "o3-mini", "o3-pro", "o4-mini",
                            "o4-mini-2025-04-16", "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5.1", "gpt-5.4-nano",
                            "gpt-5-2025-08-07", "openai/o3", "openai/gpt-5"}) {
    INFO(model);
    CHECK_FALSE(accepts_temperature(Provider::openai, model));
  }
  for (const char* model : {"gpt-4.1-mini", "gpt-4o", "gpt-4", "gpt-50", "omni-local", "ollama/llama3", "fake-editor",
                            "gpt-test", "o"}) {
    INFO(model);
    CHECK(accepts_temperature(Provider::openai, model));
  }
  // Anthropic's models all take one (0 to 1); a name like OpenAI's means nothing there.
  CHECK(accepts_temperature(Provider::anthropic, "claude-sonnet-4-5"));
  CHECK(accepts_temperature(Provider::anthropic, "o3"));
}

}  // namespace
}  // namespace anneal::llm
