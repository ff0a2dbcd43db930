#include "nginx_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "endless_body.h"

namespace anneal::system_test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A port nothing listens on right now; nginx binds it a moment later (a race another
// process could win, which start() notices and retries).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// True once our nginx answers on `port` (its Server header says so): a connection alone
// could reach whoever else took the port.
bool answers(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(0, 200000);
  client.set_read_timeout(1, 0);
  auto result = client.Get("/ready");
  return result && result->get_header_value("Server").starts_with("nginx");
}

// Waits up to `limit` for `pid` to exit; true when it did (and was reaped).
bool reaped_within(pid_t pid, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno == ECHILD))
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

}  // namespace

std::string nginx_binary() {
  const char* configured = std::getenv("ANNEAL_NGINX");
  std::string path = configured && *configured ? configured : "/usr/sbin/nginx";
  return ::access(path.c_str(), X_OK) == 0 ? path : "";
}

NginxServer::NginxServer(std::string required_token) : m_token(std::move(required_token)) {
  if (nginx_binary().empty())
    throw std::runtime_error("nginx is not installed (run scripts/install-deps.sh)");
  std::string pattern = (fs::temp_directory_path() / "anneal-nginx-XXXXXX").string();
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp failed");
  m_dir = pattern;
  for (const char* sub : {"conf", "logs", "tmp", "html/cache"})
    fs::create_directories(m_dir / sub);
  // Another process may take the free port before nginx binds it: try a few.
  for (int attempt = 0;; ++attempt) {
    m_port = free_port();
    try {
      start();
      return;
    } catch (const std::exception&) {
      if (attempt == 4) {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
        throw;
      }
    }
  }
}

NginxServer::~NginxServer() {
  stop();
  std::error_code ec;
  fs::remove_all(m_dir, ec);
}

std::string NginxServer::url() const { return fmt::format("http://127.0.0.1:{}/cache", m_port); }

fs::path NginxServer::root() const { return m_dir / "html" / "cache"; }

std::vector<std::string> NginxServer::files() const {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(root()))
    if (entry.is_regular_file())
      found.push_back(fs::relative(entry.path(), root()).generic_string());
  std::sort(found.begin(), found.end());
  return found;
}

std::string NginxServer::access_log() const { return slurp(m_dir / "logs" / "access.log"); }

int NginxServer::requests(const std::string& method) const {
  std::istringstream lines(access_log());
  int n = 0;
  for (std::string line; std::getline(lines, line);)
    n += line.starts_with(method + " ");
  return n;
}

void NginxServer::write_config() const {
  std::string dir = m_dir.string();
  std::string auth = m_token.empty()
                         ? std::string()
                         : fmt::format("      if ($http_authorization != \"Bearer {}\") {{ return 401; }}\n", m_token);
  std::ofstream(m_dir / "conf" / "nginx.conf") << fmt::format(
      R"(# A WebDAV remote cache for anneal's tests: one process, everything under {0}.
master_process off;
error_log {0}/logs/error.log warn;
lock_file {0}/logs/nginx.lock;
events {{ worker_connections 1024; }}
http {{
  log_format cache '$request_method $uri $status $http_authorization';
  access_log {0}/logs/access.log cache;
  client_body_temp_path {0}/tmp/body;
  proxy_temp_path {0}/tmp/proxy;
  fastcgi_temp_path {0}/tmp/fastcgi;
  uwsgi_temp_path {0}/tmp/uwsgi;
  scgi_temp_path {0}/tmp/scgi;
  default_type application/octet-stream;
  server {{
    listen 127.0.0.1:{1};
    root {0}/html;
    location /cache/ {{
{2}      dav_methods PUT DELETE;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
      client_max_body_size 0;
      log_not_found off;
    }}
  }}
}}
)",
      dir, m_port, auth);
}

void NginxServer::start() {
  if (running())
    return;
  write_config();
  std::string binary = nginx_binary();
  std::string prefix = m_dir.string() + "/";
  std::string conf = (m_dir / "conf" / "nginx.conf").string();
  std::string error_log = (m_dir / "logs" / "error.log").string();
  std::string globals = fmt::format("daemon off; pid {}/logs/nginx.pid;", m_dir.string());
  std::string output = (m_dir / "logs" / "stderr.log").string();
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int null = ::open("/dev/null", O_RDONLY);
    if (fd >= 0 && null >= 0) {
      ::dup2(null, 0);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execl(binary.c_str(), binary.c_str(), "-p", prefix.c_str(), "-c", conf.c_str(), "-e", error_log.c_str(),
            "-g", globals.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  m_pid = pid;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      m_pid = -1;
      throw std::runtime_error("nginx exited at start: " + slurp(error_log) + slurp(output));
    }
    if (answers(m_port))
      return;
    std::this_thread::sleep_for(20ms);
  }
  stop();
  throw std::runtime_error("nginx did not answer within 10 s: " + slurp(error_log));
}

void NginxServer::stop() {
  if (!running())
    return;
  ::kill(m_pid, SIGTERM);
  if (!reaped_within(m_pid, 5000ms)) {
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
  }
  m_pid = -1;
}

MisbehavingServer::MisbehavingServer(Misbehaviour mode) : m_mode(mode) {
  auto handler = [this](const httplib::Request& request, httplib::Response& response) { answer(request, response); };
  m_server.Get(".*", handler);  // HEAD is routed here too
  m_server.Put(".*", handler);
  m_server.Post(".*", handler);
  m_port = m_server.bind_to_any_port("127.0.0.1");
  if (m_port <= 0)
    throw std::runtime_error("cannot bind a loopback port");
  m_thread = std::thread([this] { m_server.listen_after_bind(); });
}

MisbehavingServer::~MisbehavingServer() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_release.notify_all();
  // stop() does nothing before the accept loop has started, so wait for it.
  while (!m_server.is_running())
    std::this_thread::sleep_for(1ms);
  m_server.stop();
  m_thread.join();
}

int MisbehavingServer::requests(const std::string& method) const {
  std::lock_guard lock(m_mutex);
  if (method.empty())
    return static_cast<int>(m_methods.size());
  return static_cast<int>(std::count(m_methods.begin(), m_methods.end(), method));
}

void MisbehavingServer::answer(const httplib::Request& request, httplib::Response& response) {
  {
    std::lock_guard lock(m_mutex);
    m_methods.push_back(request.method);
  }
  switch (m_mode) {
    case Misbehaviour::Status500:
      response.status = 500;
      response.set_content("internal error\n", "text/plain");
      return;
    case Misbehaviour::Garbage200:
      response.status = 200;
      response.set_content(k_garbage, "application/octet-stream");
      return;
    case Misbehaviour::BadStatus:
      response.status = 999;
      response.set_content("what?\n", "text/plain");
      return;
    case Misbehaviour::RejectsPut:
      response.status = request.method == "PUT" ? 403 : 404;
      response.set_content(request.method == "PUT" ? "forbidden\n" : "", "text/plain");
      return;
    case Misbehaviour::HugeBody:
    case Misbehaviour::EndlessBody: {
      if (request.method != "GET") {
        response.status = request.method == "PUT" ? 201 : 404;
        return;
      }
      testing::serve_endless_body(
          response, m_mode == Misbehaviour::HugeBody ? testing::EndlessBody::Declared4GiB : testing::EndlessBody::Chunked,
          m_streamed);
      return;
    }
    case Misbehaviour::Hang: {
      std::unique_lock lock(m_mutex);
      m_release.wait_for(lock, 120s, [this] { return m_stopping; });
      response.status = 503;
      return;
    }
  }
}

}  // namespace anneal::system_test
