// anneal-fake-llm: a rule-based stand-in for an OpenAI-compatible endpoint, so examples and
// system tests run anneal's api agents and judge on loopback without a key. It serves
// POST /v1/chat/completions and plays a role chosen by the request's model:
//
//   fake-editor  edits a mutation prompt's artifact: adds one rule it lacks (editor.h)
//   fake-writer  answers the user message the way the system prompt asks (writer.h)
//   fake-judge   answers a judge prompt's numbered criteria YES/NO, with noise (judge.h)
//
// and POST /v1/embeddings for the model fake-embed: hashed character trigrams, L2-normalised
// (embedder.h), in OpenAI's reply format.
//
// Usage: anneal-fake-llm --port N [--host 127.0.0.1] [--log FILE] [--port-file FILE]
//                        [--delay-ms MS] [--max-concurrent C] [--embeddings-fail-after K]
// --port 0 picks a free port; --port-file receives the port once the server listens.
// --log appends one JSON line per request: {"model", "seed", "temperature", "messages",
// "in_flight"}, or {"endpoint": "embeddings", "model", "input"} (fields the request lacks are
// null; in_flight counts the chat completions being answered, this one included; a malformed
// request logs {"error", "body"}; a request refused by the rate limit logs {"model",
// "status": 429, "retry_after_ms"}).
// --delay-ms answers every chat completion after MS milliseconds (a provider's latency);
// --max-concurrent refuses one beyond C in flight with OpenAI's 429 (rate_limit.h).
// --embeddings-fail-after K answers every embeddings request after the first K with 503
// (an endpoint that dies mid-build); chat completions go on being answered.
// SIGTERM and SIGINT stop it cleanly (exit 0).
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "editor.h"
#include "embedder.h"
#include "judge.h"
#include "rate_limit.h"
#include "writer.h"

namespace anneal::fake_llm {
namespace {

using nlohmann::json;

struct Options {
  std::string host = "127.0.0.1";
  int port = -1;
  std::string log_path;
  std::string port_file;
  int delay_ms = 0;
  int max_concurrent = 0;  ///< 0: no limit
  long embeddings_fail_after = -1;  ///< < 0: never
};

constexpr std::string_view k_usage =
    "usage: anneal-fake-llm --port N [--host 127.0.0.1] [--log FILE] [--port-file FILE]\n"
    "                       [--delay-ms MS] [--max-concurrent C] [--embeddings-fail-after K]\n";

/// A whole number in [min, max], or nothing.
std::optional<int> whole_number(const std::string& value, long min, long max) {
  char* end = nullptr;
  long n = std::strtol(value.c_str(), &end, 10);
  if (end == value.c_str() || *end != '\0' || n < min || n > max)
    return std::nullopt;
  return static_cast<int>(n);
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc)
      return std::nullopt;
    std::string value = argv[++i];
    if (arg == "--port") {
      auto port = whole_number(value, 0, 65535);
      if (!port)
        return std::nullopt;
      options.port = *port;
    } else if (arg == "--delay-ms" || arg == "--max-concurrent") {
      auto n = whole_number(value, arg == "--delay-ms" ? 0 : 1, 1'000'000);
      if (!n)
        return std::nullopt;
      (arg == "--delay-ms" ? options.delay_ms : options.max_concurrent) = *n;
    } else if (arg == "--host") {
      options.host = value;
    } else if (arg == "--log") {
      options.log_path = value;
    } else if (arg == "--port-file") {
      options.port_file = value;
    } else if (arg == "--embeddings-fail-after") {
      char* end = nullptr;
      options.embeddings_fail_after = std::strtol(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || options.embeddings_fail_after < 0)
        return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (options.port < 0)
    return std::nullopt;
  return options;
}

std::string error_body(std::string_view type, std::string_view code, std::string_view message,
                       std::string_view param = {}) {
  return json{{"error",
               {{"message", message}, {"type", type}, {"param", param.empty() ? json(nullptr) : json(param)}, {"code", code}}}}
      .dump();
}

/// The request's messages, checked: an array of {role, content: string}.
bool well_formed_messages(const json& body) {
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty())
    return false;
  for (const json& message : *messages)
    if (!message.is_object() || !message.contains("role") || !message["role"].is_string() ||
        !message.contains("content") || !message["content"].is_string())
      return false;
  return true;
}

/// The content of the first message with `role` (the system prompt, the user prompt).
std::string message_text(const json& body, std::string_view role) {
  for (const json& message : body["messages"])
    if (message["role"] == role)
      return message["content"].get<std::string>();
  return "";
}

class FakeLlm {
 public:
  FakeLlm(std::string log_path, int max_concurrent, int delay_ms, long embeddings_fail_after)
      : m_log_path(std::move(log_path)),
        m_limit(max_concurrent, std::chrono::milliseconds(delay_ms)),
        m_embeddings_fail_after(embeddings_fail_after) {}

  /// POST /v1/embeddings, answered and refused as api.openai.com does.
  void embed(const httplib::Request& request, httplib::Response& response) {
    json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object()) {
      log({{"error", "not a JSON object"}, {"body", request.body}});
      return reject(response, 400, "invalid_request_error", "invalid_json",
                    "We could not parse the JSON body of your request.");
    }
    log({{"endpoint", "embeddings"}, {"model", body.value("model", json(nullptr))},
         {"input", body.value("input", json(nullptr))}});
    long served = static_cast<long>(++m_embedding_requests);
    if (m_embeddings_fail_after >= 0 && served > m_embeddings_fail_after)
      return reject(response, 503, "server_error", "service_unavailable",
                    "The server is overloaded or not ready yet.");
    if (!body.contains("model") || !body["model"].is_string())
      return reject(response, 400, "invalid_request_error", "missing_model", "you must provide a model parameter");
    json input = body.value("input", json(nullptr));
    if (input.is_string())
      input = json::array({input});
    bool texts = input.is_array() && !input.empty() && input.size() <= 2048;
    for (const json& text : texts ? input : json::array())
      texts = texts && text.is_string() && !text.get<std::string>().empty();
    if (!texts)
      return reject(response, 400, "invalid_request_error", "invalid_input",
                    "'$.input' is invalid: this fake takes a non-empty string or a list of 1 to 2048 "
                    "non-empty strings.", "input");
    if (body.contains("encoding_format") && body["encoding_format"] != "float")
      return reject(response, 400, "invalid_request_error", "invalid_encoding_format",
                    "this fake answers encoding_format 'float' only", "encoding_format");
    std::string model = body["model"];
    if (model != "fake-embed")
      return reject(response, 404, "invalid_request_error", "model_not_found",
                    "The model `" + model + "` does not exist; this fake embeds with fake-embed.");
    json data = json::array();
    size_t bytes = 0;
    for (size_t i = 0; i < input.size(); ++i) {
      std::string text = input[i];
      bytes += text.size();
      data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", embed_text(text)}});
    }
    int64_t tokens = static_cast<int64_t>((bytes + 3) / 4);
    response.set_content(json{{"object", "list"},
                              {"data", std::move(data)},
                              {"model", model},
                              {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}}
                             .dump(),
                         "application/json");
  }

  void answer(const httplib::Request& request, httplib::Response& response) {
    auto started = std::chrono::steady_clock::now();
    json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object()) {
      log({{"error", "not a JSON object"}, {"body", request.body}});
      return reject(response, 400, "invalid_request_error", "invalid_json",
                    "We could not parse the JSON body of your request.");
    }
    auto entry = m_limit.enter();
    if (!entry.slot)
      return refuse(body, response, entry.retry_after);
    Slot slot(m_limit, *entry.slot);
    auto seed = body.find("seed");
    auto temperature = body.find("temperature");
    log({{"model", body.value("model", json(nullptr))},
         {"seed", seed != body.end() ? *seed : json(nullptr)},
         {"temperature", temperature != body.end() ? *temperature : json(nullptr)},
         {"messages", body.value("messages", json(nullptr))},
         {"in_flight", entry.in_flight}});
    if (!body.contains("model") || !body["model"].is_string())
      return reject(response, 400, "invalid_request_error", "missing_model", "you must provide a model parameter");
    if (!well_formed_messages(body))
      return reject(response, 400, "invalid_request_error", "invalid_messages",
                    "'messages' must be a non-empty array of {role, content} objects with string content");
    // OpenAI's documented range, answered as api.openai.com answers it.
    if (temperature != body.end() && !temperature->is_null()) {
      double t = temperature->is_number() ? temperature->get<double>() : -1;
      if (t > 2)
        return reject(response, 400, "invalid_request_error", "decimal_above_max_value",
                      "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got " +
                          temperature->dump() + " instead.", "temperature");
      if (t < 0)
        return reject(response, 400, "invalid_request_error", "decimal_below_min_value",
                      "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got " +
                          temperature->dump() + " instead.", "temperature");
    }
    if (seed != body.end() && !seed->is_number_integer())
      return reject(response, 400, "invalid_request_error", "invalid_seed", "'seed' must be an integer");
    std::string model = body["model"];
    uint64_t request_seed = seed != body.end() ? seed->get<uint64_t>() : 0;
    std::string system = message_text(body, "system"), user = message_text(body, "user");
    std::string text;
    if (model == "fake-editor")
      text = edit_reply(system, user, request_seed);
    else if (model == "fake-writer")
      text = write_answer(system, user);
    else if (model == "fake-judge")
      text = judge_reply(user, request_seed);
    else
      return reject(response, 404, "invalid_request_error", "model_not_found",
                    "The model `" + model + "` does not exist; this fake serves fake-editor, fake-writer and fake-judge.");
    response.set_content(reply_body(model, system.size() + user.size(), text), "application/json");
    std::this_thread::sleep_until(started + m_limit.delay());
  }

 private:
  /// OpenAI's answer to a request beyond the rate limit (rate_limit.h).
  void refuse(const json& body, httplib::Response& response, std::chrono::milliseconds wait) {
    std::string model = body.contains("model") && body["model"].is_string() ? body["model"].get<std::string>() : "";
    log({{"model", model.empty() ? json(nullptr) : json(model)}, {"status", 429}, {"retry_after_ms", wait.count()}});
    response.status = 429;
    response.set_header("retry-after", std::to_string((wait.count() + 999) / 1000));
    response.set_header("retry-after-ms", std::to_string(wait.count()));
    response.set_header("x-ratelimit-limit-requests", std::to_string(m_limit.max()));
    response.set_header("x-ratelimit-remaining-requests", "0");
    response.set_header("x-ratelimit-reset-requests", std::to_string(wait.count()) + "ms");
    response.set_content(error_body("requests", "rate_limit_exceeded", rate_limit_message(model, m_limit.max(), wait)),
                         "application/json");
  }

  std::string reply_body(const std::string& model, size_t prompt_bytes, const std::string& text) {
    // Tokens estimated as anneal does: four bytes each.
    int64_t prompt_tokens = static_cast<int64_t>((prompt_bytes + 3) / 4);
    int64_t completion_tokens = static_cast<int64_t>((text.size() + 3) / 4);
    return json{{"id", "chatcmpl-fake-" + std::to_string(++m_replies)},
                {"object", "chat.completion"},
                {"created", static_cast<int64_t>(std::time(nullptr))},
                {"model", model},
                {"choices",
                 {{{"index", 0},
                   {"message", {{"role", "assistant"}, {"content", text}, {"refusal", nullptr}}},
                   {"logprobs", nullptr},
                   {"finish_reason", "stop"}}}},
                {"usage",
                 {{"prompt_tokens", prompt_tokens},
                  {"completion_tokens", completion_tokens},
                  {"total_tokens", prompt_tokens + completion_tokens}}}}
        .dump();
  }

  static void reject(httplib::Response& response, int status, std::string_view type, std::string_view code,
                     const std::string& message, std::string_view param = {}) {
    response.status = status;
    response.set_content(error_body(type, code, message, param), "application/json");
  }

  void log(const json& line) {
    if (m_log_path.empty())
      return;
    std::lock_guard lock(m_log_mutex);
    std::ofstream out(m_log_path, std::ios::app);
    out << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  }

  std::string m_log_path;
  ConcurrencyLimit m_limit;
  long m_embeddings_fail_after = -1;
  std::atomic<uint64_t> m_embedding_requests{0};
  std::mutex m_log_mutex;
  std::atomic<uint64_t> m_replies{0};
};

/// Writes the port to `path` through a rename, so a reader never sees half a number.
bool write_port_file(const std::string& path, int port) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << '\n';
    if (!out.flush())
      return false;
  }
  return std::rename(temp.c_str(), path.c_str()) == 0;
}

int run(const Options& options) {
  // Block the stop signals in every thread (httplib's workers inherit the mask); one thread
  // waits for them and stops the server, which a signal handler could not do safely. A shell
  // starts background jobs with SIGINT ignored, and an ignored signal never reaches sigwait.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  FakeLlm fake(options.log_path, options.max_concurrent, options.delay_ms, options.embeddings_fail_after);
  httplib::Server server;
  // A worker per connection (kept-alive ones included): enough that a client's concurrency,
  // not this pool's size, is what the rate limit meets.
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  // httplib also sets SO_REUSEPORT, which lets a second fake share a busy port silently.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server.Post("/v1/chat/completions",
              [&fake](const httplib::Request& request, httplib::Response& response) { fake.answer(request, response); });
  server.Post("/v1/embeddings",
              [&fake](const httplib::Request& request, httplib::Response& response) { fake.embed(request, response); });
  server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    // Only the router's own 404 (no route): the handlers' errors already have a body.
    if (response.status == 404 && response.body.empty())
      response.set_content(error_body("invalid_request_error", "unknown_url",
                                      "Unknown request URL: " + request.method + " " + request.path),
                           "application/json");
  });
  int port = options.port == 0 ? server.bind_to_any_port(options.host)
                               : (server.bind_to_port(options.host, options.port) ? options.port : -1);
  if (port <= 0) {
    std::cerr << "anneal-fake-llm: cannot listen on " << options.host << ":" << options.port << "\n";
    return 1;
  }
  if (!options.port_file.empty() && !write_port_file(options.port_file, port)) {
    std::cerr << "anneal-fake-llm: cannot write " << options.port_file << "\n";
    return 1;
  }
  std::atomic<bool> done{false};
  std::thread stopper([&server, &stop_signals, &done] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    // stop() does nothing before the accept loop runs, so wait for it (or for its end).
    while (!done && !server.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!done)
      server.stop();
  });
  bool listened = server.listen_after_bind();
  done = true;
  // Wake the stopper if no signal came (the loop ended on its own); harmless if it is gone.
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  return listened ? 0 : 1;
}

}  // namespace
}  // namespace anneal::fake_llm

int main(int argc, char** argv) {
  auto options = anneal::fake_llm::parse_options(argc, argv);
  if (!options) {
    std::cerr << anneal::fake_llm::k_usage;
    return 2;
  }
  return anneal::fake_llm::run(*options);
}
