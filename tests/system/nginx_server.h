// Remote cache servers for system tests and benchmarks: a real nginx serving WebDAV on
// loopback (what a team would run), and an in-process server that misbehaves on purpose.
#pragma once

#include <httplib.h>

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace anneal::system_test {

/// Path of the nginx binary ($ANNEAL_NGINX, else /usr/sbin/nginx); empty when there is none
/// (scripts/install-deps.sh installs it).
std::string nginx_binary();

/// An nginx WebDAV server run as the current user on 127.0.0.1 at a free port, with its
/// configuration, stored files, logs and pid file in a temporary folder (removed at the
/// end). `PUT` creates folders as needed (`create_full_put_path`), bodies have no size
/// limit. It runs in the foreground as a single process (`master_process off`), so stopping
/// it is one signal and it dies with the test process (PDEATHSIG).
///
/// Access log lines: `METHOD URI STATUS AUTHORIZATION`, `-` for a missing header.
class NginxServer {
 public:
  /// Starts the server; with a non-empty `required_token` every request without
  /// `Authorization: Bearer <required_token>` is answered 401. Throws if nginx cannot start.
  explicit NginxServer(std::string required_token = "");
  ~NginxServer();
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  /// The cache's base URL: "http://127.0.0.1:PORT/cache" (stays the same across stop/start).
  std::string url() const;
  /// Files the server stores, relative to the cache's base ("ac/<hex>", "cas/<hex>"), sorted.
  std::vector<std::string> files() const;
  /// The folder behind url(): tests overwrite entries there to corrupt them.
  std::filesystem::path root() const;
  /// The access log so far (see the class comment for its format).
  std::string access_log() const;
  /// Lines of the access log whose method is `method` ("GET", "PUT", "HEAD").
  int requests(const std::string& method) const;

  /// Shuts the server down (fast shutdown: SIGTERM, then SIGKILL after 5 s) and waits for
  /// it: the port refuses connections afterwards. A no-op when stopped.
  void stop();
  /// Starts it again on the same port with the same files. A no-op when running.
  void start();
  bool running() const { return m_pid > 0; }

 private:
  void write_config() const;

  std::string m_token;
  std::filesystem::path m_dir;  ///< prefix: conf, logs, temp folders, html/cache
  int m_port = 0;
  pid_t m_pid = -1;
};

/// How a MisbehavingServer answers every request.
enum class Misbehaviour {
  Status500,   ///< 500 Internal Server Error, with a body
  Garbage200,  ///< 200 with bytes that are not a cache entry (PUT and HEAD too)
  BadStatus,   ///< status 999: neither a success nor a miss
  Hang,        ///< accepts the request, never answers (until the server stops)
  RejectsPut,  ///< an empty cache that refuses uploads: GET and HEAD 404, PUT 403
  HugeBody,    ///< GET: 200 with a 4 GiB body (Content-Length), streamed; HEAD 404, PUT 201
  EndlessBody, ///< GET: 200 with a chunked body that never ends; HEAD 404, PUT 201
};

/// An in-process cpp-httplib server on 127.0.0.1 at a free port that answers every
/// GET/HEAD/PUT as `mode` says, and counts requests.
class MisbehavingServer {
 public:
  explicit MisbehavingServer(Misbehaviour mode);
  ~MisbehavingServer();
  MisbehavingServer(const MisbehavingServer&) = delete;
  MisbehavingServer& operator=(const MisbehavingServer&) = delete;

  /// "http://127.0.0.1:PORT/cache".
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/cache"; }
  /// Requests received so far: all of them, or those with `method` ("GET", "HEAD", "PUT").
  int requests(const std::string& method = "") const;
  /// Body bytes HugeBody and EndlessBody have handed to connections so far.
  uint64_t streamed() const { return m_streamed; }

  /// The body of every Garbage200 answer.
  static constexpr const char* k_garbage = "<html><body>Welcome to our cache! (not an entry)</body></html>\n";

 private:
  void answer(const httplib::Request& request, httplib::Response& response);

  Misbehaviour m_mode;
  httplib::Server m_server;
  int m_port = 0;
  std::thread m_thread;
  mutable std::mutex m_mutex;
  std::vector<std::string> m_methods;  ///< of every request, in order
  std::atomic<uint64_t> m_streamed{0};
  std::condition_variable m_release;
  bool m_stopping = false;
};

}  // namespace anneal::system_test
