// Text embeddings from an OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp's
// server), built and parsed here and nowhere else:
//
//   POST {base_url}/embeddings
//   Authorization: Bearer KEY            (omitted when there is no key, e.g. a local server)
//   {"model", "input": [TEXT…]}          at most k_max_embedding_inputs texts, none empty
//   200 → {"object": "list", "data": [{"object": "embedding", "embedding": [FLOAT…], "index": I}…],
//          "model", "usage": {"prompt_tokens", "total_tokens"}}
//   error → {"error": {"message", "type", "param", "code"}}   (some servers: {"error": "text"})
//
// `data` may come in any order: `index` says which input a vector belongs to. 429 and 5xx are
// retried as for chat calls (client.h), with Retry-After honoured.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "llm/api_key.h"
#include "llm/client.h"
#include "llm/wire_format.h"
#include "util/error.h"

namespace anneal::llm {

/// The most inputs OpenAI takes in one request; longer lists are sent in several.
inline constexpr size_t k_max_embedding_inputs = 2048;

/// What is to be embedded. Holds no key, like Request.
struct EmbeddingRequest {
  std::string model;
  std::string base_url;  ///< empty: OpenAI's public endpoint
  std::vector<std::string> inputs;
};

/// The vectors, one per input in the request's order, and the tokens billed.
struct EmbeddingReply {
  std::vector<std::vector<float>> vectors;
  int64_t input_tokens = 0;  ///< usage.prompt_tokens; 0 when the server reports none
};

/// The URL, headers and JSON body of `request`. An empty `api_key` sends no authentication.
WireRequest build_embedding_request(const EmbeddingRequest& request, std::string_view api_key);

/// The vectors in a 2xx body for a request of `inputs` texts, or why it cannot be read: not
/// JSON, an error object, a missing, repeated or out-of-range index, a vector that is empty,
/// not all numbers, or of another length than the others. Never throws.
Result<EmbeddingReply> parse_embedding_reply(std::string_view body, size_t inputs);

/// Embeds `request.inputs` through `client` (its retries and timeouts), in requests of at
/// most k_max_embedding_inputs. An empty input is an error (the API refuses it). Errors name
/// the URL and the server's own message and never contain the key.
Result<EmbeddingReply> embed(Client& client, const EmbeddingRequest& request, const ApiKey& key);

}  // namespace anneal::llm
