// The JSON each provider speaks, built and parsed here and nowhere else.
//
// OpenAI Chat Completions (and compatible servers):
//   POST {base_url}/chat/completions
//   Authorization: Bearer KEY            (omitted when there is no key, e.g. a local server)
//   {"model", "messages": [{"role", "content"}…], "temperature"?, "seed"?,
//    "max_completion_tokens" (api.openai.com) | "max_tokens" (any other server)}
//   200 → {"id", "choices": [{"index", "message": {"role", "content"}, "finish_reason"}],
//          "usage": {"prompt_tokens", "completion_tokens", "total_tokens"}}
//   error → {"error": {"message", "type", "param", "code"}}   (some servers: {"error": "text"})
//   The system prompt goes first in `messages` with role "system".
//
// Anthropic Messages:
//   POST {base_url}/v1/messages
//   x-api-key: KEY; anthropic-version: 2023-06-01; content-type: application/json
//   {"model", "max_tokens", "system"?, "messages": [{"role", "content"}…], "temperature"?}
//   200 → {"id", "type": "message", "role": "assistant", "content": [{"type": "text", "text"}…],
//          "stop_reason", "usage": {"input_tokens", "output_tokens"}}
//   error → {"type": "error", "error": {"type", "message"}, "request_id"?}
//   Anthropic has no seed; the seed still counts in the cache key, which is built elsewhere.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "llm/request.h"
#include "util/error.h"

namespace anneal::llm {

/// The version of Anthropic's API this client speaks.
inline constexpr std::string_view k_anthropic_version = "2023-06-01";

/// An HTTP request ready to send. Its headers carry the API key: it lives only for the call
/// and is never logged or stored.
struct WireRequest {
  std::string url;
  std::vector<std::string> headers;  ///< "Name: value"
  std::string body;
};

/// The URL, headers and JSON body of `request` for its provider. An empty `api_key` sends
/// no authentication header (loopback servers need none).
WireRequest build_wire_request(const Request& request, std::string_view api_key);

/// The answer in a 2xx body, or an error saying why it cannot be read (not JSON, truncated,
/// no choices, no text). Never throws.
Result<Reply> parse_reply(Provider provider, std::string_view body);

/// More tokens than any real prompt or reply holds (the largest context windows hold about
/// two million).
inline constexpr int64_t k_max_plausible_tokens = 10'000'000;

/// Fails, saying which count and why, when the reply's token counts cannot be real: negative,
/// above k_max_plausible_tokens, or completion tokens far above the request's `max_tokens`
/// (over twice it plus 100: some servers count a few tokens over). A gateway's garbage would
/// otherwise be billed as a cost (or a refund).
Result<void> check_token_counts(const Reply& reply, int max_tokens);

/// What an error body says went wrong: both fields empty when it says nothing readable.
struct ApiError {
  std::string type;     ///< e.g. "rate_limit_error", "overloaded_error", "invalid_request_error"
  std::string message;  ///< the provider's own words
  std::string code;     ///< OpenAI's error code ("rate_limit_exceeded", "insufficient_quota"); may be empty
};

/// The error a non-2xx body describes, in either provider's shape. Never throws.
ApiError parse_error(std::string_view body);

}  // namespace anneal::llm
