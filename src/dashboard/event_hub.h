#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace anneal::dashboard {

/// One Server-Sent Event: `id: SEQ` and `data: DATA` (one line of JSON).
struct Event {
  uint64_t seq = 0;  ///< 1, 2, 3… in the order published
  std::string data;
};

/// The events the ledger watcher publishes, kept in a ring of the most recent ones so a
/// page that reconnects (Last-Event-ID) gets what it missed; memory stays bounded however
/// long the dashboard runs.
class EventHub {
 public:
  explicit EventHub(size_t capacity = 256) : m_capacity(capacity) {}

  void publish(std::string data);
  /// The sequence number of the latest event (0: none yet). A new subscriber starts here.
  uint64_t latest() const;
  /// The events after `after`, waiting up to `timeout` for one; empty on timeout or close.
  /// When `after` fell out of the ring, the result starts with the oldest kept event.
  std::vector<Event> wait_after(uint64_t after, std::chrono::milliseconds timeout);
  /// Wakes every waiter for good (the server is stopping).
  void close();
  bool closed() const;

 private:
  size_t m_capacity;
  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<Event> m_events;
  uint64_t m_seq = 0;
  bool m_closed = false;
};

/// `event` as it goes on the wire: "id: 3\ndata: {…}\n\n".
std::string sse_text(const Event& event);

}  // namespace anneal::dashboard
