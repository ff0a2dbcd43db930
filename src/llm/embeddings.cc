#include "llm/embeddings.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>

namespace anneal::llm {
namespace {

using nlohmann::json;

std::string base_url_of(const EmbeddingRequest& request) {
  Request chat;
  chat.provider = Provider::openai;
  chat.base_url = request.base_url;
  return effective_base_url(chat);
}

Result<std::vector<float>> read_vector(const json& embedding, size_t at) {
  if (!embedding.is_array() || embedding.empty())
    return fail("data[" + std::to_string(at) + "].embedding is not a non-empty array of numbers (encoding_format "
                "base64 is not read)");
  std::vector<float> vector;
  vector.reserve(embedding.size());
  for (const json& x : embedding) {
    if (!x.is_number() || !std::isfinite(x.get<double>()))
      return fail("data[" + std::to_string(at) + "].embedding holds " + x.dump() + ", not a finite number");
    vector.push_back(x.get<float>());
  }
  return vector;
}

}  // namespace

WireRequest build_embedding_request(const EmbeddingRequest& request, std::string_view api_key) {
  json body = {{"model", request.model}, {"input", request.inputs}};
  WireRequest wire{base_url_of(request) + "/embeddings", {"Content-Type: application/json"}, body.dump()};
  if (!api_key.empty())
    wire.headers.push_back("Authorization: Bearer " + std::string(api_key));
  return wire;
}

Result<EmbeddingReply> parse_embedding_reply(std::string_view body, size_t inputs) {
  json reply = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (reply.is_discarded())
    return fail("the reply is not valid JSON (" + std::to_string(body.size()) + " bytes; truncated?)");
  if (!reply.is_object())
    return fail("the reply is not a JSON object");
  if (reply.contains("error") && !reply["error"].is_null()) {
    ApiError error = parse_error(body);
    return fail("the reply is an error: " + (error.message.empty() ? std::string("an error without a message")
                                                                    : error.message));
  }
  auto data = reply.find("data");
  if (data == reply.end() || !data->is_array())
    return fail("the reply has no data array");
  if (data->size() != inputs)
    return fail("the reply has " + std::to_string(data->size()) + " embeddings for " + std::to_string(inputs) +
                " inputs");
  EmbeddingReply parsed;
  std::vector<std::optional<std::vector<float>>> by_index(inputs);
  for (size_t at = 0; at < data->size(); ++at) {
    const json& item = (*data)[at];
    if (!item.is_object() || !item.contains("index") || !item["index"].is_number_integer())
      return fail("data[" + std::to_string(at) + "] has no integer index");
    int64_t index = item["index"].get<int64_t>();
    if (index < 0 || static_cast<size_t>(index) >= inputs)
      return fail("data[" + std::to_string(at) + "] has index " + std::to_string(index) + ", outside 0.." +
                  std::to_string(inputs - 1));
    if (by_index[index])
      return fail("the reply has index " + std::to_string(index) + " twice");
    auto vector = read_vector(item.value("embedding", json()), at);
    if (!vector)
      return std::unexpected(vector.error());
    by_index[index] = std::move(*vector);
  }
  for (auto& vector : by_index) {
    if (!parsed.vectors.empty() && vector->size() != parsed.vectors.front().size())
      return fail("the reply's vectors differ in length (" + std::to_string(parsed.vectors.front().size()) +
                  " and " + std::to_string(vector->size()) + ")");
    parsed.vectors.push_back(std::move(*vector));
  }
  if (auto usage = reply.find("usage"); usage != reply.end() && usage->is_object())
    if (auto tokens = usage->find("prompt_tokens"); tokens != usage->end() && tokens->is_number_integer())
      parsed.input_tokens = tokens->get<int64_t>();
  if (parsed.input_tokens < 0 || parsed.input_tokens > k_max_plausible_tokens)
    return fail("the reply reports " + std::to_string(parsed.input_tokens) +
                " prompt tokens, which no real reply has; it is not billed (a broken server or gateway?)");
  return parsed;
}

Result<EmbeddingReply> embed(Client& client, const EmbeddingRequest& request, const ApiKey& key) {
  for (size_t i = 0; i < request.inputs.size(); ++i)
    if (request.inputs[i].empty())
      return fail("input " + std::to_string(i) + " is empty; embedding endpoints refuse empty texts");
  EmbeddingReply all;
  for (size_t from = 0; from < request.inputs.size(); from += k_max_embedding_inputs) {
    EmbeddingRequest batch{request.model, request.base_url, {}};
    size_t to = std::min(request.inputs.size(), from + k_max_embedding_inputs);
    batch.inputs.assign(request.inputs.begin() + static_cast<std::ptrdiff_t>(from),
                        request.inputs.begin() + static_cast<std::ptrdiff_t>(to));
    WireRequest wire = build_embedding_request(batch, key.value());
    auto response = client.post(wire, key, "openai embeddings");
    if (!response)
      return std::unexpected(response.error());
    auto reply = parse_embedding_reply(response->body, batch.inputs.size());
    if (!reply)
      return fail(redact_key("openai embeddings reply from " + wire.url + " cannot be read: " + reply.error().message,
                             key));
    all.input_tokens += reply->input_tokens;
    for (auto& vector : reply->vectors)
      all.vectors.push_back(std::move(vector));
  }
  return all;
}

}  // namespace anneal::llm
