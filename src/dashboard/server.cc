#include "dashboard/server.h"

#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "dashboard/access_token.h"
#include "dashboard/assets.h"

namespace anneal::dashboard {

namespace {

/// Live pages at once: each holds one of the server's threads.
constexpr int k_max_streams = 16;
/// Threads: the live pages plus the page's own requests.
constexpr size_t k_threads = k_max_streams + 8;
/// A comment line this often keeps proxies from closing an idle stream and notices a page
/// that went away.
constexpr auto k_keep_alive = std::chrono::seconds(15);
/// No request the dashboard answers has a body: anything large is refused unread.
constexpr size_t k_max_body = 64 * 1024;
/// Longest key or target name a route accepts.
constexpr size_t k_max_name = 256;

// What the page may load: its own files only, so nothing an experiment wrote (a hypothesis,
// a log) can run as script even if it reached the markup.
constexpr const char* k_csp =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void answer_json(httplib::Response& res, const ApiAnswer& answer) {
  res.status = answer.status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(answer.body, "application/json; charset=utf-8");
}

void answer_error(httplib::Response& res, int status, const std::string& message) {
  nlohmann::json body = {{"error", message}};
  answer_json(res, {status, body.dump()});
}

/// A name from the URL that can only be a target name, a key or TARGET#N: bounded, printable,
/// no path separators (the routes never touch the file system by name, and say so early).
bool plausible_name(const std::string& name) {
  if (name.empty() || name.size() > k_max_name || name == "." || name == "..")
    return false;
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
      return false;
  return true;
}

/// The host part of a Host header ("127.0.0.1:8080" → "127.0.0.1", "[::1]:80" → "[::1]").
std::string host_part(const std::string& header) {
  if (header.starts_with("["))
    return header.substr(0, header.find(']') + 1);
  return header.substr(0, header.find(':'));
}

bool is_page_path(const std::string& path) { return path == "/" || path.starts_with("/targets/"); }

}  // namespace

DashboardServer::DashboardServer(ServerOptions options, DashboardApi api)
    : m_options(std::move(options)), m_api(std::move(api)), m_server(std::make_unique<httplib::Server>()) {
  m_server->new_task_queue = [] { return new httplib::ThreadPool(k_threads); };
  m_server->set_payload_max_length(k_max_body);
  m_server->set_keep_alive_timeout(5);
  m_server->set_read_timeout(10);
  m_server->set_write_timeout(10);
  routes();
}

DashboardServer::~DashboardServer() { stop(); }

void DashboardServer::routes() {
  httplib::Server& s = *m_server;
  s.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                         {"Referrer-Policy", "no-referrer"},
                         {"X-Frame-Options", "DENY"},
                         {"Content-Security-Policy", k_csp}});

  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "GET" && req.method != "HEAD") {
      answer_error(res, 405, "the dashboard only reads: use GET");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!m_options.token) {
      // Bound to loopback, anyone on this machine may read; a page elsewhere that resolves
      // its own name to 127.0.0.1 (DNS rebinding) may not.
      if (!is_loopback(host_part(req.get_header_value("Host")))) {
        answer_error(res, 403, "this dashboard answers only to 127.0.0.1 and localhost");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    }
    TokenCarriers carriers;
    if (req.has_param("token"))
      carriers.query = req.get_param_value("token");
    if (req.has_header("Cookie"))
      carriers.cookie_header = req.get_header_value("Cookie");
    if (req.has_header("Authorization"))
      carriers.authorization = req.get_header_value("Authorization");
    if (!carries_token(carriers, *m_options.token, m_port)) {
      res.status = 401;
      res.set_header("WWW-Authenticate", "Bearer");
      res.set_content("401: this dashboard needs its token: open the URL `anneal dashboard` printed\n",
                      "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (carriers.query) {
      // Keep it in a cookie, and take it out of the address bar (and the history) at once.
      res.set_header("Set-Cookie", fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict",
                                               token_cookie_name(m_port), *m_options.token));
      if (is_page_path(req.path)) {
        res.set_redirect(req.path, 303);
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  auto serve_page = [](httplib::Response& res) {
    Asset p = page();
    res.set_header("Cache-Control", "no-store");
    res.set_content(p.bytes.data(), p.bytes.size(), std::string(p.content_type));
  };
  s.Get("/", [serve_page](const httplib::Request&, httplib::Response& res) { serve_page(res); });
  s.Get(R"(/targets/([^/]+))", [this, serve_page](const httplib::Request& req, httplib::Response& res) {
    std::string name = req.matches[1];
    bool known = false;
    if (plausible_name(name)) {
      std::lock_guard lock(m_library);
      known = m_api.has_target(name);
    }
    if (!known) {
      res.status = 404;
      res.set_content(fmt::format("404: no target '{}' in the Annealfile\n", name.substr(0, k_max_name)),
                      "text/plain; charset=utf-8");
      return;
    }
    serve_page(res);
  });
  s.Get(R"(/assets/([a-z.]+))", [](const httplib::Request& req, httplib::Response& res) {
    auto found = asset(req.path);
    if (!found) {
      res.status = 404;
      res.set_content("404: no such file\n", "text/plain; charset=utf-8");
      return;
    }
    res.set_header("Cache-Control", "max-age=3600");
    res.set_content(found->bytes.data(), found->bytes.size(), std::string(found->content_type));
  });

  s.Get("/api/status", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(m_library);
    answer_json(res, m_api.status());
  });
  s.Get(R"(/api/targets/([^/]+)/history)", [this](const httplib::Request& req, httplib::Response& res) {
    std::string name = req.matches[1];
    if (!plausible_name(name))
      return answer_error(res, 404, "no such target");
    std::lock_guard lock(m_library);
    answer_json(res, m_api.history(name));
  });
  s.Get(R"(/api/experiments/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    std::string key = req.matches[1];
    if (!plausible_name(key))
      return answer_error(res, 400, "not an experiment or node key");
    std::lock_guard lock(m_library);
    answer_json(res, m_api.experiment(key));
  });

  s.Get("/events", [this](const httplib::Request& req, httplib::Response& res) {
    if (m_streams.fetch_add(1) >= k_max_streams) {
      m_streams.fetch_sub(1);
      return answer_error(res, 503, fmt::format("{} live pages are open already; close one", k_max_streams));
    }
    // A page that reconnects names the last event it saw; a new one starts from now (what
    // came before, it loads through the API).
    uint64_t after = m_hub.latest();
    if (std::string last = req.get_header_value("Last-Event-ID"); !last.empty() && last.size() < 20 &&
        last.find_first_not_of("0123456789") == std::string::npos)
      after = std::min<uint64_t>(after, std::stoull(last));
    auto cursor = std::make_shared<uint64_t>(after);
    auto started = std::make_shared<bool>(false);
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, cursor, started](size_t, httplib::DataSink& sink) {
          if (!*started) {
            *started = true;
            // Opens the stream at once (the page's EventSource fires `open`) and sets how
            // soon it reconnects after the dashboard restarts.
            std::string hello = "retry: 1000\n: anneal dashboard\n\n";
            return sink.write(hello.data(), hello.size());
          }
          auto events = m_hub.wait_after(*cursor, k_keep_alive);
          if (m_hub.closed() || m_stopping) {
            sink.done();
            return true;
          }
          if (events.empty()) {
            std::string ping = ": keep-alive\n\n";
            return sink.write(ping.data(), ping.size());
          }
          for (const Event& e : events) {
            std::string text = sse_text(e);
            if (!sink.write(text.data(), text.size()))
              return false;
            *cursor = e.seq;
          }
          return true;
        },
        [this](bool) { m_streams.fetch_sub(1); });
  });

  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty())
      return;
    if (res.status == 404)
      res.set_content("404: not found\n", "text/plain; charset=utf-8");
    else
      res.set_content(fmt::format("{}: the dashboard cannot answer that\n", res.status), "text/plain; charset=utf-8");
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = fmt::format("internal error (please report it): {}", e.what());
    } catch (...) {
    }
    answer_error(res, 500, what);
  });
}

Result<int> DashboardServer::bind() {
  if (m_options.port == 0) {
    int port = m_server->bind_to_any_port(m_options.host);
    if (port < 0)
      return fail(fmt::format("cannot listen on {}: is it an address of this machine?", m_options.host));
    m_port = port;
  } else {
    if (!m_server->bind_to_port(m_options.host, m_options.port))
      return fail(fmt::format("cannot listen on {}:{}: the port is taken or the address is not this machine's "
                              "(--port N picks another, --port 0 any free one)",
                              m_options.host, m_options.port));
    m_port = m_options.port;
  }
  return m_port;
}

void DashboardServer::run() {
  LedgerWatch watch(m_options.targets_dir, m_options.shape, m_hub, m_library);
  watch.poll();  // where each ledger stands now: what the pages load through the API
  std::thread watcher([&] {
    while (!m_stopping) {
      std::this_thread::sleep_for(m_options.poll);
      if (!m_stopping)
        watch.poll();
    }
  });
  m_server->listen_after_bind();
  m_stopping = true;
  m_hub.close();
  watcher.join();
}

void DashboardServer::stop() {
  m_stopping = true;
  m_hub.close();
  if (m_server)
    m_server->stop();
}

}  // namespace anneal::dashboard
