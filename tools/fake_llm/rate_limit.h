// The fake's rate limit: at most `max` chat completions in flight at once, each answered after
// a fixed delay; one beyond the limit is refused at once with HTTP 429 the way api.openai.com
// refuses it — the error body {"error": {"message": "Rate limit reached for MODEL …",
// "type": "requests", "param": null, "code": "rate_limit_exceeded"}} and the headers
// `retry-after` (whole seconds), `retry-after-ms` (what the OpenAI SDKs read first) and the
// `x-ratelimit-*-requests` family. The wait it asks for is the time until the oldest request in
// flight is answered, so a client that honours it finds a free slot.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace anneal::fake_llm {

class ConcurrencyLimit {
 public:
  using Clock = std::chrono::steady_clock;

  /// `max` 0: no limit. `delay`: how long each answer takes.
  ConcurrencyLimit(int max, std::chrono::milliseconds delay) : m_max(max), m_delay(delay) {}

  /// A slot for one request (its id) and how many are in flight with it, or, when `max` are
  /// in flight, the wait to ask for.
  struct Entry {
    std::optional<uint64_t> slot;
    std::chrono::milliseconds retry_after{0};
    int in_flight = 0;
  };

  Entry enter() {
    std::lock_guard lock(m_mutex);
    Clock::time_point now = Clock::now();
    if (m_max > 0 && static_cast<int>(m_in_flight.size()) >= m_max) {
      // The oldest request in flight ends first; at least 1 ms, so a client never spins.
      auto oldest = std::min_element(m_in_flight.begin(), m_in_flight.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(oldest->second + m_delay - now);
      return {std::nullopt, std::max(left, std::chrono::milliseconds(1)), static_cast<int>(m_in_flight.size())};
    }
    uint64_t id = ++m_next;
    m_in_flight.emplace(id, now);
    return {id, std::chrono::milliseconds(0), static_cast<int>(m_in_flight.size())};
  }

  void leave(uint64_t slot) {
    std::lock_guard lock(m_mutex);
    m_in_flight.erase(slot);
  }

  int max() const { return m_max; }
  std::chrono::milliseconds delay() const { return m_delay; }

 private:
  int m_max;
  std::chrono::milliseconds m_delay;
  std::mutex m_mutex;
  std::map<uint64_t, Clock::time_point> m_in_flight;  ///< slot → when it was entered
  uint64_t m_next = 0;
};

/// The slot of one request, given back when the answer is done (or the handler leaves early).
class Slot {
 public:
  Slot(ConcurrencyLimit& limit, uint64_t id) : m_limit(limit), m_id(id) {}
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  ~Slot() { m_limit.leave(m_id); }

 private:
  ConcurrencyLimit& m_limit;
  uint64_t m_id;
};

/// OpenAI's 429 message for a requests-per-minute limit, with this fake's numbers.
inline std::string rate_limit_message(const std::string& model, int limit, std::chrono::milliseconds wait) {
  return "Rate limit reached for " + model + " in organization org-fake on requests per min (RPM): Limit " +
         std::to_string(limit) + ", Used " + std::to_string(limit) + ", Requested 1. Please try again in " +
         std::to_string(wait.count()) + "ms. Visit https://platform.openai.com/account/rate-limits to learn more.";
}

}  // namespace anneal::fake_llm
