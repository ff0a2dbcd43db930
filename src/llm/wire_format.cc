#include "llm/wire_format.h"

#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

namespace anneal::llm {
namespace {

using nlohmann::json;

json messages_json(const Request& request, bool system_as_message) {
  json messages = json::array();
  if (system_as_message && !request.system.empty()) {
    messages.push_back({{"role", "system"}, {"content", request.system}});
  }
  for (const Message& message : request.messages) {
    messages.push_back({{"role", message.role}, {"content", message.content}});
  }
  return messages;
}

// OpenAI's own endpoint rejects `max_tokens` for its reasoning models and documents
// `max_completion_tokens` for all; compatible servers (Ollama, llama.cpp, older vLLM) know only
// `max_tokens`.
bool is_openai_itself(std::string_view base_url) {
  return base_url.find("://api.openai.com") != std::string_view::npos;
}

WireRequest build_openai(const Request& request, std::string_view api_key) {
  std::string base = effective_base_url(request);
  json body = {{"model", request.model}, {"messages", messages_json(request, true)}};
  body[is_openai_itself(base) ? "max_completion_tokens" : "max_tokens"] = request.max_tokens;
  if (request.temperature) {
    body["temperature"] = *request.temperature;
  }
  if (request.seed) {
    body["seed"] = *request.seed;
  }
  WireRequest wire{base + "/chat/completions", {"Content-Type: application/json"}, body.dump()};
  if (!api_key.empty()) {
    wire.headers.push_back("Authorization: Bearer " + std::string(api_key));
  }
  return wire;
}

WireRequest build_anthropic(const Request& request, std::string_view api_key) {
  json body = {{"model", request.model},
               {"max_tokens", request.max_tokens},
               {"messages", messages_json(request, false)}};
  if (!request.system.empty()) {
    body["system"] = request.system;
  }
  if (request.temperature) {
    body["temperature"] = *request.temperature;
  }
  WireRequest wire{
      effective_base_url(request) + "/v1/messages",
      {"content-type: application/json", "anthropic-version: " + std::string(k_anthropic_version)},
      body.dump()};
  if (!api_key.empty()) {
    wire.headers.push_back("x-api-key: " + std::string(api_key));
  }
  return wire;
}

std::string string_field(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t count_field(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// Some gateways answer 200 with an error object instead of a reply.
std::optional<std::string> embedded_error(const json& reply) {
  if (!reply.contains("error") || reply["error"].is_null()) {
    return std::nullopt;
  }
  ApiError error = parse_error(reply.dump());
  return error.message.empty() ? std::string("an error without a message") : error.message;
}

Result<Reply> parse_openai(const json& reply) {
  auto choices = reply.find("choices");
  if (choices == reply.end() || !choices->is_array() || choices->empty()) {
    return fail("the reply has no choices");
  }
  const json& choice = (*choices)[0];
  if (!choice.is_object() || !choice.contains("message") || !choice["message"].is_object()) {
    return fail("the reply's first choice has no message");
  }
  Reply parsed;
  parsed.id = string_field(reply, "id");
  parsed.stop_reason = string_field(choice, "finish_reason");
  const json& message = choice["message"];
  auto content = message.find("content");
  if (content == message.end() || !content->is_string()) {
    std::string refusal = string_field(message, "refusal");
    return fail("the reply's message has no text content (finish_reason: " +
                (parsed.stop_reason.empty() ? std::string("none") : parsed.stop_reason) + ")" +
                (refusal.empty() ? "" : "; refusal: " + refusal));
  }
  parsed.text = content->get<std::string>();
  if (auto usage = reply.find("usage"); usage != reply.end() && usage->is_object()) {
    parsed.input_tokens = count_field(*usage, "prompt_tokens");
    parsed.output_tokens = count_field(*usage, "completion_tokens");
  }
  return parsed;
}

Result<Reply> parse_anthropic(const json& reply) {
  auto content = reply.find("content");
  if (content == reply.end() || !content->is_array()) {
    return fail("the reply has no content");
  }
  Reply parsed;
  parsed.id = string_field(reply, "id");
  parsed.stop_reason = string_field(reply, "stop_reason");
  bool has_text = false;
  for (const json& block : *content) {
    if (block.is_object() && string_field(block, "type") == "text" && block.contains("text") &&
        block["text"].is_string()) {
      parsed.text += block["text"].get<std::string>();
      has_text = true;
    }
  }
  if (!has_text) {
    return fail("the reply has no text content (stop_reason: " +
                (parsed.stop_reason.empty() ? std::string("none") : parsed.stop_reason) + ")");
  }
  if (auto usage = reply.find("usage"); usage != reply.end() && usage->is_object()) {
    parsed.input_tokens = count_field(*usage, "input_tokens");
    parsed.output_tokens = count_field(*usage, "output_tokens");
  }
  return parsed;
}

}  // namespace

WireRequest build_wire_request(const Request& request, std::string_view api_key) {
  return request.provider == Provider::anthropic ? build_anthropic(request, api_key)
                                                 : build_openai(request, api_key);
}

Result<Reply> parse_reply(Provider provider, std::string_view body) {
  json reply = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (reply.is_discarded()) {
    return fail("the reply is not valid JSON (" + std::to_string(body.size()) + " bytes; truncated?)");
  }
  if (!reply.is_object()) {
    return fail("the reply is not a JSON object");
  }
  if (auto error = embedded_error(reply)) {
    return fail("the reply is an error: " + *error);
  }
  try {
    return provider == Provider::anthropic ? parse_anthropic(reply) : parse_openai(reply);
  } catch (const json::exception& e) {
    return fail(std::string("the reply has an unexpected shape: ") + e.what());
  }
}

Result<void> check_token_counts(const Reply& reply, int max_tokens) {
  auto implausible = [](std::string_view what, int64_t count, std::string_view why) {
    return fail("the reply reports " + std::to_string(count) + " " + std::string(what) + " tokens, " +
                std::string(why) + "; it is not billed (a broken server or gateway?)");
  };
  for (auto [what, count] : {std::pair<std::string_view, int64_t>{"prompt", reply.input_tokens},
                             std::pair<std::string_view, int64_t>{"completion", reply.output_tokens}}) {
    if (count < 0)
      return implausible(what, count, "a negative count");
    if (count > k_max_plausible_tokens)
      return implausible(what, count, "more than any real reply (" + std::to_string(k_max_plausible_tokens) + ")");
  }
  if (max_tokens > 0 && reply.output_tokens > 2 * static_cast<int64_t>(max_tokens) + 100)
    return implausible("completion", reply.output_tokens,
                       "far more than the request's max_tokens (" + std::to_string(max_tokens) + ")");
  return {};
}

ApiError parse_error(std::string_view body) {
  json reply = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!reply.is_object()) {
    return {};
  }
  auto error = reply.find("error");
  if (error == reply.end()) {
    return {"", string_field(reply, "message")};
  }
  if (error->is_string()) {
    return {"", error->get<std::string>()};
  }
  if (!error->is_object()) {
    return {};
  }
  return {string_field(*error, "type"), string_field(*error, "message"), string_field(*error, "code")};
}

}  // namespace anneal::llm
