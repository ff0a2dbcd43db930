// Delivering notifications: each event to the `notify:` rules that want it, in the background,
// so a build never waits on a slow receiver nor fails because of one.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "graph/annealfile.h"
#include "graph/notify.h"

namespace anneal::graph {

class Notifier {
 public:
  struct Options {
    double drain_s = 30;           ///< how long finish() waits for what is still queued
    double attempt_timeout_s = 5;  ///< one POST, connecting included
    double backoff_s = 0.5;        ///< before a POST's second attempt; doubles after each
  };

  /// Sends `file`'s events (its top-level rules and each target's own); `repository` is where
  /// `run:` commands run. Starts no thread until an event has a rule.
  Notifier(const Annealfile& file, std::filesystem::path repository, Options options);
  explicit Notifier(const Annealfile& file, std::filesystem::path repository)
      : Notifier(file, std::move(repository), Options{}) {}
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  /// Queues `event` of `target` for every rule that names it; returns at once.
  void send(const Target& target, const NotifyEvent& event);

  /// Why deliveries failed since the last call, one line each ("notify: …"), for the caller to
  /// print where it prints warnings. Secrets are redacted, URLs shown by shown_url().
  std::vector<std::string> take_warnings();

  /// Waits until everything queued is delivered, at most Options::drain_s; what is left then
  /// is dropped (with a warning). Called by the destructor.
  void finish();

 private:
  struct Delivery {
    const NotifyRule* rule = nullptr;
    NotifyEvent event;
  };
  void work();
  /// "" when delivered, else why not.
  std::string run_command(const NotifyRule& rule, const NotifyEvent& event);
  std::string post(const NotifyRule& rule, const NotifyEvent& event);
  /// Waits `seconds` unless the queue is abandoned first; false when it was.
  bool pause(double seconds);

  const Annealfile& m_file;
  std::filesystem::path m_repository;
  Options m_options;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<Delivery> m_queue;
  bool m_busy = false;     ///< the worker is delivering one
  bool m_closing = false;  ///< finish() began: the worker exits once the queue is empty
  bool m_abandon = false;  ///< finish() gave up waiting: stop at once
  std::vector<std::string> m_warnings;
  std::set<std::string> m_dead_urls;  ///< URLs that failed every attempt: not tried again
  std::thread m_thread;
};

}  // namespace anneal::graph
