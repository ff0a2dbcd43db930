// A loopback stand-in for an OpenAI-compatible or Anthropic endpoint, for tests only: it speaks
// the documented request, reply and error formats (see wire_format.h), records every request
// it receives and answers from a script.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "llm/request.h"

namespace anneal::llm::test {

/// One request as the fake saw it.
struct Received {
  std::string method;
  std::string path;
  httplib::Headers headers;  ///< case-insensitive lookup via header()
  std::string raw_body;
  nlohmann::json body;  ///< null when the body is not JSON

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// One scripted answer.
struct Scripted {
  int status = 200;
  std::string body;  ///< empty with status 200: a well-formed reply
  httplib::Headers headers;
  bool hang = false;  ///< never answer (until the fake stops): for timeouts
};

/// An answer with `status` and `body` (and any extra headers).
inline Scripted answer(int status, std::string body, httplib::Headers headers = {}) {
  return Scripted{status, std::move(body), std::move(headers), false};
}

/// No answer until the fake stops.
inline Scripted hang() {
  return Scripted{200, "", {}, true};
}

/// An OpenAI error body, as api.openai.com sends it.
inline std::string openai_error_body(const std::string& type, const std::string& code,
                                     const std::string& message) {
  return nlohmann::json{{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}}
      .dump();
}

/// An Anthropic error body, as api.anthropic.com sends it.
inline std::string anthropic_error_body(const std::string& type, const std::string& message) {
  return nlohmann::json{
      {"type", "error"}, {"error", {{"type", type}, {"message", message}}}, {"request_id", "req_011"}}
      .dump();
}

class FakeLlmServer {
 public:
  /// Starts on 127.0.0.1 at a free port; requests must carry `key` (empty: no auth checked).
  FakeLlmServer(Provider provider, std::string key) : m_provider(provider), m_key(std::move(key)) {
    const char* path = provider == Provider::anthropic ? "/v1/messages" : "/v1/chat/completions";
    m_server.Post(path, [this](const httplib::Request& request, httplib::Response& response) {
      answer(request, response);
    });
    if (provider == Provider::openai)
      m_server.Post("/v1/embeddings", [this](const httplib::Request& request, httplib::Response& response) {
        answer(request, response);
      });
    m_port = m_server.bind_to_any_port("127.0.0.1");
    if (m_port > 0) {
      m_thread = std::thread([this] { m_server.listen_after_bind(); });
    }
  }

  ~FakeLlmServer() {
    {
      std::lock_guard lock(m_mutex);
      m_stopping = true;
    }
    m_release.notify_all();
    if (!m_thread.joinable()) {
      return;
    }
    // stop() does nothing before the accept loop has started, so wait for it.
    while (!m_server.is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    m_server.stop();
    m_thread.join();
  }

  FakeLlmServer(const FakeLlmServer&) = delete;
  FakeLlmServer& operator=(const FakeLlmServer&) = delete;

  /// The base_url an agent would configure: ".../v1" for OpenAI, the bare origin for Anthropic.
  std::string base_url() const {
    std::string origin = "http://127.0.0.1:" + std::to_string(m_port);
    return m_provider == Provider::anthropic ? origin : origin + "/v1";
  }

  /// Queues answers, used in order; once the script runs out, every request is answered well.
  void script(std::vector<Scripted> answers) {
    std::lock_guard lock(m_mutex);
    m_script.insert(m_script.end(), answers.begin(), answers.end());
  }

  /// Once the script runs out, answers a well-formed reply whose text `writer` makes from the
  /// request (e.g. edit blocks for the file the prompt shows).
  void respond_with(std::function<std::string(const Received&)> writer) {
    std::lock_guard lock(m_mutex);
    m_writer = std::move(writer);
  }

  std::vector<Received> received() const {
    std::lock_guard lock(m_mutex);
    return m_received;
  }

  /// A well-formed embeddings reply to `request` (its `input` list): input i becomes
  /// [its length in bytes, i, 1], the data listed last input first (the API promises no
  /// order; `index` tells), with usage of 5 prompt tokens.
  static std::string embeddings_body(const nlohmann::json& request) {
    nlohmann::json data = nlohmann::json::array();
    const nlohmann::json inputs = request.is_object() ? request.value("input", nlohmann::json::array())
                                                      : nlohmann::json::array();
    for (size_t i = inputs.size(); i-- > 0;)
      data.push_back({{"object", "embedding"},
                      {"embedding", {inputs[i].is_string() ? inputs[i].get<std::string>().size() : 0, i, 1}},
                      {"index", i}});
    return nlohmann::json{{"object", "list"},
                          {"data", data},
                          {"model", request.is_object() ? request.value("model", "") : ""},
                          {"usage", {{"prompt_tokens", 5}, {"total_tokens", 5}}}}
        .dump();
  }

  /// A well-formed reply with `text` and the usage the fake reports (7 in, 3 out).
  std::string reply_body(const std::string& text) const {
    if (m_provider == Provider::anthropic) {
      return nlohmann::json{{"id", "msg_01"},
                            {"type", "message"},
                            {"role", "assistant"},
                            {"model", "claude-test"},
                            {"content", {{{"type", "text"}, {"text", text}}}},
                            {"stop_reason", "end_turn"},
                            {"stop_sequence", nullptr},
                            {"usage", {{"input_tokens", 7}, {"output_tokens", 3}}}}
          .dump();
    }
    return nlohmann::json{{"id", "chatcmpl-01"},
                          {"object", "chat.completion"},
                          {"created", 1700000000},
                          {"model", "gpt-test"},
                          {"choices",
                           {{{"index", 0},
                             {"message", {{"role", "assistant"}, {"content", text}, {"refusal", nullptr}}},
                             {"logprobs", nullptr},
                             {"finish_reason", "stop"}}}},
                          {"usage", {{"prompt_tokens", 7}, {"completion_tokens", 3}, {"total_tokens", 10}}}}
        .dump();
  }

 private:
  void answer(const httplib::Request& request, httplib::Response& response) {
    Scripted next;
    std::function<std::string(const Received&)> writer;
    Received request_seen;
    {
      std::unique_lock lock(m_mutex);
      m_received.push_back({request.method, request.path, request.headers, request.body,
                            nlohmann::json::parse(request.body, nullptr, false)});
      if (m_received.back().body.is_discarded()) {
        m_received.back().body = nullptr;
      }
      if (!m_key.empty() && !authenticated(request)) {
        reject_key(request, response);
        return;
      }
      if (reject_temperature(m_received.back().body, response))
        return;
      if (!m_script.empty()) {
        next = m_script.front();
        m_script.pop_front();
      } else if (m_writer && !request.path.ends_with("/embeddings")) {
        writer = m_writer;
        request_seen = m_received.back();
      }
      if (next.hang) {
        m_release.wait_for(lock, std::chrono::seconds(10), [this] { return m_stopping; });
        return;
      }
    }
    for (const auto& [name, value] : next.headers) {
      response.set_header(name, value);
    }
    response.status = next.status;
    if (writer) {
      response.set_content(reply_body(writer(request_seen)), "application/json");
      return;
    }
    if (next.body.empty() && next.status == 200 && request.path.ends_with("/embeddings")) {
      response.set_content(embeddings_body(nlohmann::json::parse(request.body, nullptr, false)), "application/json");
      return;
    }
    response.set_content(next.body.empty() && next.status == 200 ? reply_body("hello") : next.body,
                         "application/json");
  }

  // What the real APIs answer to a temperature they do not take, checked before any script:
  // tests prove anneal never sends one. Anthropic's range is 0..1, OpenAI's 0..2, and OpenAI's
  // reasoning models (o1, o3, o4-mini, the gpt-5 family) take no temperature at all.
  bool reject_temperature(const nlohmann::json& body, httplib::Response& response) const {
    if (!body.is_object() || !body.contains("temperature"))
      return false;
    const nlohmann::json& t = body.at("temperature");
    double value = t.is_number() ? t.get<double>() : -1;
    std::string shown = t.dump();
    response.status = 400;
    if (m_provider == Provider::anthropic) {
      if (value >= 0 && value <= 1)
        return false;
      response.set_content(anthropic_error_body("invalid_request_error", "temperature: range: 0..1"),
                           "application/json");
      return true;
    }
    std::string model = body.value("model", "");
    bool reasoning = model.starts_with("o1") || model.starts_with("o3") || model.starts_with("o4-mini") ||
                     model.starts_with("gpt-5");
    nlohmann::json error;
    if (reasoning)
      error = {{"message", "Unsupported value: 'temperature' does not support " + shown +
                               " with this model. Only the default (1) value is supported."},
               {"type", "invalid_request_error"}, {"param", "temperature"}, {"code", "unsupported_value"}};
    else if (value > 2)
      error = {{"message", "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got " +
                               shown + " instead."},
               {"type", "invalid_request_error"}, {"param", "temperature"}, {"code", "decimal_above_max_value"}};
    else if (value < 0)
      error = {{"message", "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got " +
                               shown + " instead."},
               {"type", "invalid_request_error"}, {"param", "temperature"}, {"code", "decimal_below_min_value"}};
    else
      return false;
    response.set_content(nlohmann::json{{"error", error}}.dump(), "application/json");
    return true;
  }

  bool authenticated(const httplib::Request& request) const {
    if (m_provider == Provider::anthropic) {
      return request.get_header_value("x-api-key") == m_key;
    }
    return request.get_header_value("Authorization") == "Bearer " + m_key;
  }

  // Both providers answer 401; OpenAI's message quotes the key it was given.
  void reject_key(const httplib::Request& request, httplib::Response& response) const {
    response.status = 401;
    if (m_provider == Provider::anthropic) {
      response.set_content(anthropic_error_body("authentication_error", "invalid x-api-key"),
                           "application/json");
      return;
    }
    std::string given = request.get_header_value("Authorization");
    given = given.starts_with("Bearer ") ? given.substr(7) : given;
    response.set_content(openai_error_body("invalid_request_error", "invalid_api_key",
                                           "Incorrect API key provided: " + given +
                                               ". You can find your API key at "
                                               "https://platform.openai.com/account/api-keys."),
                         "application/json");
  }

  Provider m_provider;
  std::string m_key;
  httplib::Server m_server;
  int m_port = 0;
  std::thread m_thread;
  mutable std::mutex m_mutex;
  std::condition_variable m_release;
  bool m_stopping = false;
  std::deque<Scripted> m_script;
  std::function<std::string(const Received&)> m_writer;
  std::vector<Received> m_received;
};

}  // namespace anneal::llm::test
