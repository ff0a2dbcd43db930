// llm: a client for OpenAI-compatible and Anthropic chat APIs over libcurl — requests, wire
// formats, API keys, HTTP with timeouts, and retries with backoff.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace anneal::llm {

/// Which wire format a model speaks. `openai` covers every OpenAI-compatible server (Ollama,
/// llama.cpp's server, vLLM, OpenRouter).
enum class Provider { openai, anthropic };

/// "openai" or "anthropic", as written in an Annealfile.
std::string_view provider_name(Provider provider);
/// The provider named `name`, or an error listing the known ones.
Result<Provider> parse_provider(std::string_view name);
/// The public endpoint used when an agent names no `base_url`.
std::string_view default_base_url(Provider provider);

/// One turn of the conversation; `role` is "user" or "assistant".
struct Message {
  std::string role;
  std::string content;
};

/// What is asked of a model. Holds no API key, so it may be hashed, logged or cached freely;
/// the key travels separately (see api_key.h).
struct Request {
  Provider provider = Provider::openai;
  std::string model;
  std::string base_url;  ///< empty: default_base_url(provider)
  std::string system;    ///< empty: no system prompt
  std::vector<Message> messages;
  std::optional<double> temperature;  ///< unset: the provider's default
  int max_tokens = 4096;
  std::optional<int64_t> seed;  ///< sent where the provider supports it (OpenAI only)
};

/// The base URL a request goes to: its own, or the provider's default, without a trailing '/'.
std::string effective_base_url(const Request& request);

/// What the model answered.
struct Reply {
  std::string id;    ///< the provider's id of the reply, for support requests
  std::string text;  ///< the assistant's text
  std::string
      stop_reason;  ///< OpenAI finish_reason or Anthropic stop_reason ("stop", "end_turn", "length", …)
  int64_t input_tokens = 0;   ///< prompt tokens billed; 0 when the server reports no usage
  int64_t output_tokens = 0;  ///< completion tokens billed; 0 when the server reports no usage
};

}  // namespace anneal::llm
