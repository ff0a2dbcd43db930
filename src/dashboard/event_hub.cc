#include "dashboard/event_hub.h"

#include <fmt/format.h>

namespace anneal::dashboard {

void EventHub::publish(std::string data) {
  {
    std::lock_guard lock(m_mutex);
    m_events.push_back({++m_seq, std::move(data)});
    while (m_events.size() > m_capacity)
      m_events.pop_front();
  }
  m_changed.notify_all();
}

uint64_t EventHub::latest() const {
  std::lock_guard lock(m_mutex);
  return m_seq;
}

std::vector<Event> EventHub::wait_after(uint64_t after, std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_mutex);
  m_changed.wait_for(lock, timeout, [&] { return m_closed || m_seq > after; });
  std::vector<Event> out;
  if (m_closed)
    return out;
  for (const Event& e : m_events)
    if (e.seq > after)
      out.push_back(e);
  return out;
}

void EventHub::close() {
  {
    std::lock_guard lock(m_mutex);
    m_closed = true;
  }
  m_changed.notify_all();
}

bool EventHub::closed() const {
  std::lock_guard lock(m_mutex);
  return m_closed;
}

std::string sse_text(const Event& event) {
  // The data is one line of JSON (dump without indent escapes newlines), so one data field.
  return fmt::format("id: {}\ndata: {}\n\n", event.seq, event.data);
}

}  // namespace anneal::dashboard
