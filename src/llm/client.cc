#include "llm/client.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <random>
#include <thread>

#include "llm/wire_format.h"

namespace anneal::llm {
namespace {

using std::chrono::milliseconds;

bool is_retryable_status(long status) {
  return status == 429 || (status >= 500 && status <= 599);
}

// Replaces every occurrence of the key, so a server that echoes it cannot leak it into a log.
std::string redact(std::string text, const std::string& key) {
  if (key.empty()) {
    return text;
  }
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
    text.replace(at, key.size(), "[redacted]");
  }
  return text;
}

std::string describe_status(const HttpResponse& response) {
  ApiError error = parse_error(response.body);
  std::string text = "HTTP " + std::to_string(response.status);
  if (!error.type.empty()) {
    text += " " + error.type;
  }
  if (!error.message.empty()) {
    text += ": " + error.message;
  } else if (!response.body.empty() && error.type.empty()) {
    text += ": " + response.body.substr(0, 200);
  }
  return text;
}

}  // namespace

std::optional<milliseconds> parse_retry_after(const std::string& value) {
  double seconds = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error == std::errc() && end == value.data() + value.size()) {
    return milliseconds(static_cast<int64_t>(std::max(0.0, seconds) * 1000));
  }
  time_t when = curl_getdate(value.c_str(), nullptr);
  if (when == -1) {
    return std::nullopt;
  }
  return milliseconds(std::max<int64_t>(0, (when - std::time(nullptr)) * 1000));
}

std::optional<milliseconds> asked_retry_wait(const HttpResponse& response) {
  if (auto header = response.header("retry-after-ms")) {
    double ms = 0;
    auto [end, error] = std::from_chars(header->data(), header->data() + header->size(), ms);
    if (error == std::errc() && end == header->data() + header->size() && std::isfinite(ms))
      return milliseconds(static_cast<int64_t>(std::clamp(ms, 0.0, 1e12)));
  }
  if (auto header = response.header("retry-after"))
    return parse_retry_after(*header);
  return std::nullopt;
}

Client::Client(ClientOptions options) : m_options(std::move(options)), m_http(thread_http_client()) {
  if (!m_options.sleep) {
    m_options.sleep = [](milliseconds wait) { std::this_thread::sleep_for(wait); };
  }
  if (!m_options.uniform) {
    m_options.uniform = [engine = std::mt19937_64(std::random_device{}())]() mutable {
      return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
    };
  }
}

// Exponential growth with "equal jitter": half the wait is fixed, half random, so clients
// that failed together do not retry together.
milliseconds Client::backoff(int failed_attempts) {
  const RetryPolicy& retry = m_options.retry;
  double base = static_cast<double>(retry.initial_backoff.count()) * std::pow(2.0, failed_attempts - 1);
  base = std::min(base, static_cast<double>(retry.max_backoff.count()));
  return milliseconds(static_cast<int64_t>(base / 2 + base / 2 * m_options.uniform()));
}

Result<Reply> Client::send(const Request& request, const ApiKey& key) {
  const std::string provider(provider_name(request.provider));
  WireRequest wire = build_wire_request(request, key.value());
  auto response = post(wire, key, provider);
  if (!response)
    return std::unexpected(response.error());
  auto reply = parse_reply(request.provider, response->body);
  if (!reply) {
    return fail(redact(provider + " reply from " + wire.url + " cannot be read: " + reply.error().message,
                       key.value()));
  }
  if (auto counted = check_token_counts(*reply, request.max_tokens); !counted)
    return fail(provider + " reply from " + wire.url + " cannot be trusted: " + counted.error().message);
  return reply;
}

Result<HttpResponse> Client::post(const WireRequest& wire, const ApiKey& key, const std::string& provider) {
  const int attempts = std::max(1, m_options.retry.max_attempts);
  std::string last_failure;
  m_last_status = 0;
  m_rate_limited = 0;
  milliseconds rate_limit_waited{0};
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    auto response = m_http.post(wire.url, wire.headers, wire.body, m_options.timeouts);
    std::optional<milliseconds> asked_wait;
    m_last_status = response ? response->status : 0;
    if (response && response->status == 429) {
      if (parse_error(response->body).code == "insufficient_quota")
        return fail(redact(provider + " refused the request to " + wire.url + " (" + describe_status(*response) +
                               "); the account's quota is used up, waiting does not help",
                           key.value()));
      // Rate limited: wait as asked and ask again, without using up a try. A server that asks
      // for no wait at all gets the backoff, so the waits add up to the bound.
      ++m_rate_limited;
      std::optional<milliseconds> asked = asked_retry_wait(*response);
      milliseconds wait = std::min(asked && asked->count() > 0 ? *asked : backoff(std::min(m_rate_limited, 16)),
                                   m_options.retry.max_retry_after);
      if (rate_limit_waited + wait <= m_options.retry.max_rate_limit_wait) {
        rate_limit_waited += wait;
        m_options.sleep(wait);
        --attempt;
        continue;
      }
      return fail(redact(provider + " request to " + wire.url + " was still rate limited after " +
                             std::to_string(m_rate_limited) + " answers of HTTP 429 and " +
                             std::to_string(rate_limit_waited.count() / 1000) + " s of waiting; last: " +
                             describe_status(*response),
                         key.value()));
    }
    if (!response) {
      last_failure = response.error().message;
      if (!response.error().transient) {
        return fail(redact(provider + " request to " + wire.url + " failed: " + last_failure, key.value()));
      }
    } else if (response->status >= 200 && response->status < 300) {
      return std::move(*response);
    } else if (response->status == 401) {
      return fail(redact(provider + " rejected the API key at " + wire.url + " (" +
                             describe_status(*response) + "); check the key in the environment variable " +
                             key.env_var(),
                         key.value()));
    } else if (!is_retryable_status(response->status)) {
      return fail(
          redact(provider + " refused the request to " + wire.url + " (" + describe_status(*response) + ")",
                 key.value()));
    } else {
      last_failure = describe_status(*response);
      asked_wait = asked_retry_wait(*response);
    }
    if (attempt < attempts) {
      milliseconds wait =
          asked_wait ? std::min(*asked_wait, m_options.retry.max_retry_after) : backoff(attempt);
      m_options.sleep(wait);
    }
  }
  return fail(redact(provider + " request to " + wire.url + " failed after " + std::to_string(attempts) +
                         (attempts == 1 ? " attempt" : " attempts") + "; last: " + last_failure,
                     key.value()));
}

std::string redact_key(std::string text, const ApiKey& key) {
  return redact(std::move(text), key.value());
}

}  // namespace anneal::llm
