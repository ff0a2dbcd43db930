// Sends a Request to its provider and returns the Reply, retrying what is worth retrying.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "llm/api_key.h"
#include "llm/http_client.h"
#include "llm/request.h"
#include "llm/wire_format.h"
#include "util/error.h"

namespace anneal::llm {

/// When and how long to wait before trying again.
struct RetryPolicy {
  int max_attempts = 5;                                ///< tries in all, the first included; 429s not counted
  std::chrono::milliseconds initial_backoff{1'000};    ///< the wait after the first failure
  std::chrono::milliseconds max_backoff{60'000};       ///< the cap on exponential growth
  std::chrono::milliseconds max_retry_after{120'000};  ///< the cap on a server's Retry-After
  /// A 429 (rate limited) is the provider saying "not yet", not a failure: it is retried as it
  /// asks without using up a try, until the waits on 429s of one request add up to this.
  std::chrono::milliseconds max_rate_limit_wait{600'000};
};

/// Everything about a client except the request and the key.
struct ClientOptions {
  HttpTimeouts timeouts;
  RetryPolicy retry;
  /// Waits between tries; tests pass a recorder so they never really wait.
  std::function<void(std::chrono::milliseconds)> sleep;
  /// A uniform number in [0, 1) for jitter; default: a generator seeded from the clock.
  std::function<double()> uniform;
};

/// A connection to LLM providers. Retries 429, 5xx (529 "overloaded" included) and network
/// failures with exponential backoff and jitter, honouring retry-after-ms and Retry-After (a
/// 429 does not count as a try, see RetryPolicy; one whose code is `insufficient_quota` is not
/// retried: waiting does not pay the bill); never retries another 4xx. Error messages name the
/// provider, status and the provider's own message, and never contain the key. Keeps its
/// connection open between calls. Not thread-safe: one per thread.
class Client {
 public:
  explicit Client(ClientOptions options = {});

  /// The model's reply to `request`, authenticated with `key`.
  Result<Reply> send(const Request& request, const ApiKey& key);

  /// POSTs `wire` (built for `key`) with the retries above and returns the 2xx response; the
  /// failures name `provider`, the URL and the server's message. For endpoints besides chat
  /// (embeddings.h), which parse the body themselves.
  Result<HttpResponse> post(const WireRequest& wire, const ApiKey& key, const std::string& provider);

  /// The HTTP status of the last answer `send` got (0: none, e.g. a network failure): lets a
  /// caller tell a refused key (401) or an unknown model (404) from a passing failure.
  long last_status() const { return m_last_status; }

  /// How many 429s the last `send` was answered with before its outcome.
  int last_rate_limited() const { return m_rate_limited; }

 private:
  std::chrono::milliseconds backoff(int failed_attempts);

  ClientOptions m_options;
  HttpClient& m_http;  ///< thread_http_client(): connections outlive one Client
  long m_last_status = 0;
  int m_rate_limited = 0;
};

/// `text` with every occurrence of the key replaced by "[redacted]" (a server may echo it).
std::string redact_key(std::string text, const ApiKey& key);

/// The wait a Retry-After header asks for (delta-seconds or an HTTP date), if it is readable.
std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& value);

/// The wait a response asks for: its retry-after-ms (milliseconds, what OpenAI's SDKs read
/// first), else its Retry-After.
std::optional<std::chrono::milliseconds> asked_retry_wait(const HttpResponse& response);

}  // namespace anneal::llm
