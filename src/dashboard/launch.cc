#include "dashboard/launch.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "dashboard/access_token.h"
#include "dashboard/project_api.h"
#include "dashboard/server.h"
#include "graph/workspace.h"

extern char** environ;

namespace anneal::dashboard {

namespace {

/// The host as it goes in a URL: an IPv6 address in brackets; a wildcard address as this
/// machine's name, which others can reach.
std::string url_host(const std::string& host) {
  if (host == "0.0.0.0" || host == "::" || host == "[::]") {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0 && name[0])
      return name;
  }
  if (host.find(':') != std::string::npos && !host.starts_with("["))
    return "[" + host + "]";
  return host;
}

/// Starts the user's browser on `url` without waiting for it: $BROWSER (as Python's
/// webbrowser reads it: a command, or several separated by ':'), else xdg-open.
void open_browser(const std::string& url) {
  std::string browser = std::getenv("BROWSER") ? std::getenv("BROWSER") : "";
  if (auto colon = browser.find(':'); colon != std::string::npos)
    browser = browser.substr(0, colon);
  if (browser.empty())
    browser = "xdg-open";
  std::vector<char*> argv = {browser.data(), const_cast<char*>(url.c_str()), nullptr};
  // The browser gets the signals as a program expects them, not the server's (SIGPIPE
  // ignored, SIGINT and SIGTERM blocked).
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int spawned = ::posix_spawnp(&pid, browser.c_str(), nullptr, &attributes, argv.data(), environ);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    fmt::print(stderr, "anneal dashboard: cannot start {} to open the page; open {} yourself\n", browser, url);
    return;
  }
  std::thread([pid] { ::waitpid(pid, nullptr, 0); }).detach();
}

}  // namespace

Result<int> serve_dashboard(const LaunchOptions& options) {
  auto workspace = graph::Workspace::open(std::filesystem::current_path());
  if (!workspace)
    return std::unexpected(workspace.error());

  ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.targets_dir = workspace->anneal_dir() / "targets";
  server_options.shape = event_record;
  if (!is_loopback(options.host))
    server_options.token = new_token();

  // A page that goes away mid-answer is a failed write, not the end of the server.
  ::signal(SIGPIPE, SIG_IGN);
  // SIGINT and SIGTERM are taken by sigwait below, never by a thread of the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  DashboardServer server(server_options, project_api());
  auto port = server.bind();
  if (!port)
    return std::unexpected(port.error());
  std::string url = fmt::format("http://{}:{}/", url_host(options.host), *port);
  if (server_options.token)
    url += "?token=" + *server_options.token;
  fmt::print("anneal dashboard: {}\n", url);
  if (server_options.token)
    fmt::print("  the token is printed only this once: whoever has this URL can read the dashboard\n");
  fmt::print("  (Ctrl-C stops it)\n");
  std::fflush(stdout);

  std::thread serving([&] { server.run(); });
  if (options.open)
    open_browser(url);
  int signal = 0;
  sigwait(&stop_signals, &signal);
  server.stop();
  serving.join();
  return 0;
}

}  // namespace anneal::dashboard
