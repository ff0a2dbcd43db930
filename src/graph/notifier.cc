#include "graph/notifier.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "llm/http_client.h"
#include "proc/subprocess.h"
#include "util/secrets.h"

namespace anneal::graph {

namespace {

using Clock = std::chrono::steady_clock;

bool wants(const NotifyRule& rule, const std::string& event) {
  return std::find(rule.on.begin(), rule.on.end(), event) != rule.on.end();
}

/// The last non-empty line of a command's output, for a warning.
std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  size_t newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

/// Worth another attempt: the receiver is busy or broken for now, not refusing the event.
bool retry_status(long status) { return status == 408 || status == 429 || status >= 500; }

}  // namespace

Notifier::Notifier(const Annealfile& file, std::filesystem::path repository, Options options)
    : m_file(file), m_repository(std::move(repository)), m_options(options) {}

Notifier::~Notifier() { finish(); }

void Notifier::send(const Target& target, const NotifyEvent& event) {
  std::lock_guard lock(m_mutex);
  if (m_closing)
    return;
  for (const auto* rules : {&m_file.notify, &target.notify})
    for (const NotifyRule& rule : *rules)
      if (wants(rule, event.name))
        m_queue.push_back({&rule, event});
  if (!m_queue.empty() && !m_thread.joinable())
    m_thread = std::thread([this] { work(); });
  m_wake.notify_all();
}

std::vector<std::string> Notifier::take_warnings() {
  std::lock_guard lock(m_mutex);
  return std::exchange(m_warnings, {});
}

void Notifier::finish() {
  std::unique_lock lock(m_mutex);
  m_closing = true;
  m_wake.notify_all();
  auto drained = [this] { return m_queue.empty() && !m_busy; };
  // After Ctrl-C nothing more is waited for.
  double drain = proc::interrupted() ? 0 : m_options.drain_s;
  if (!m_wake.wait_for(lock, std::chrono::duration<double>(drain), drained)) {
    size_t left = m_queue.size() + (m_busy ? 1 : 0);
    m_warnings.push_back(fmt::format("notify: {} notification(s) not delivered within {:g}s of the build's end; "
                                     "dropped",
                                     left, m_options.drain_s));
    m_abandon = true;
    m_queue.clear();
    m_wake.notify_all();
  }
  lock.unlock();
  if (m_thread.joinable())
    m_thread.join();
}

void Notifier::work() {
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_wake.wait(lock, [this] { return !m_queue.empty() || m_closing || m_abandon; });
    if (m_abandon || (m_queue.empty() && m_closing))
      return;
    Delivery next = std::move(m_queue.front());
    m_queue.pop_front();
    m_busy = true;
    lock.unlock();
    std::string failure = next.rule->url.empty() ? run_command(*next.rule, next.event) : post(*next.rule, next.event);
    lock.lock();
    if (!failure.empty())
      m_warnings.push_back(redact(failure));
    m_busy = false;
    m_wake.notify_all();
  }
}

bool Notifier::pause(double seconds) {
  std::unique_lock lock(m_mutex);
  return !m_wake.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return m_abandon; });
}

std::string Notifier::run_command(const NotifyRule& rule, const NotifyEvent& event) {
  proc::RunOptions options;
  options.command = rule.run;
  options.cwd = m_repository;
  options.env = {{"ANNEAL_EVENT", event.name}, {"ANNEAL_TARGET", event.payload.value("target", "")}};
  options.pass_env = rule.pass_env;
  options.stdin_data = event.payload.dump() + "\n";
  options.timeout_s = rule.timeout_s;
  options.should_abort = [this] {
    std::lock_guard lock(m_mutex);
    return m_abandon;
  };
  auto ran = proc::run(options);
  if (!ran)
    return fmt::format("notify: cannot run `{}` for {}: {}", rule.run, event.name, ran.error().message);
  if (ran->ok())
    return "";
  std::string said = last_line(ran->err.empty() ? ran->out : ran->err);
  return fmt::format("notify: `{}` for {} failed: {}{}", rule.run, event.name, ran->describe(),
                     said.empty() ? "" : ": " + said);
}

std::string Notifier::post(const NotifyRule& rule, const NotifyEvent& event) {
  std::string shown = shown_url(rule.url);
  {
    std::lock_guard lock(m_mutex);
    if (m_dead_urls.count(rule.url))
      return "";  // warned once already
  }
  auto url = expand_url(rule.url);
  if (!url) {
    std::lock_guard lock(m_mutex);
    m_dead_urls.insert(rule.url);
    return fmt::format("notify: {} for {}: {}; not tried again in this build", shown, event.name,
                       url.error().message);
  }
  // Secret values arrive through the URL's variables; a literal token is cut by shown_url.
  auto scrub = [&](std::string text) {
    for (size_t at = text.find(*url); !url->empty() && at != std::string::npos; at = text.find(*url, at))
      text.replace(at, url->size(), shown);
    return text;
  };
  llm::HttpClient client;
  const std::string body = event.payload.dump();
  const auto deadline = Clock::now() + std::chrono::duration<double>(rule.timeout_s);
  double backoff = m_options.backoff_s;
  std::string why;
  int attempt = 0;
  for (;;) {
    ++attempt;
    double left = std::chrono::duration<double>(deadline - Clock::now()).count();
    auto ms = [](double s) { return std::chrono::milliseconds(std::max<long long>(1, static_cast<long long>(s * 1000))); };
    llm::HttpTimeouts timeouts{ms(std::min(left, m_options.attempt_timeout_s)), ms(std::min(left, m_options.attempt_timeout_s))};
    auto response = client.post(*url, {"Content-Type: application/json", "User-Agent: anneal"}, body, timeouts);
    bool again = true;
    if (response && response->status >= 200 && response->status < 300)
      return "";
    if (response) {
      why = fmt::format("HTTP {}", response->status);
      again = retry_status(response->status);
    } else {
      why = response.error().message;
      again = response.error().transient;
    }
    left = std::chrono::duration<double>(deadline - Clock::now()).count();
    if (!again || left <= backoff || !pause(backoff))
      break;
    backoff *= 2;
  }
  {
    std::lock_guard lock(m_mutex);
    m_dead_urls.insert(rule.url);
  }
  return scrub(fmt::format("notify: POST to {} for {} failed ({} attempt{}, last: {}); not tried again in this build",
                           shown, event.name, attempt, attempt == 1 ? "" : "s", why));
}

}  // namespace anneal::graph
