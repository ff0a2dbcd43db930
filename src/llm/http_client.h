// One HTTP POST over libcurl, with connect and total timeouts.
#pragma once

#include <chrono>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace anneal::llm {

/// How long a call may take.
struct HttpTimeouts {
  std::chrono::milliseconds connect{10'000};  ///< to open the connection
  std::chrono::milliseconds total{300'000};   ///< for the whole exchange, reply included
};

/// What the server answered, whatever the status.
struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  ///< names lower-cased; the last value of a repeated header
  std::string body;

  /// The value of header `name` (lower case), if the server sent it.
  std::optional<std::string> header(const std::string& name) const;
};

/// Why no response arrived.
struct TransportFailure {
  std::string message;     ///< what went wrong (the caller names the URL); never holds a request header
  bool transient = false;  ///< worth retrying: refused, reset, timed out, DNS hiccup, cut short
};

/// A reusable libcurl easy handle (kept for connection reuse between calls). Not thread-safe:
/// one per thread.
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// POSTs `body` to `url` with `headers` ("Name: value"); any HTTP status is a response.
  std::expected<HttpResponse, TransportFailure> post(const std::string& url,
                                                     const std::vector<std::string>& headers,
                                                     const std::string& body, const HttpTimeouts& timeouts);

 private:
  struct CurlDeleter {
    void operator()(void* handle) const;
  };
  std::unique_ptr<void, CurlDeleter> m_handle;  ///< a CURL*
};

/// This thread's HttpClient: the calls a process makes one after another (a judge's votes)
/// share its connections (keep-alive) instead of opening one each.
HttpClient& thread_http_client();

}  // namespace anneal::llm
