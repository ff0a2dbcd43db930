// anneal-dashboard: the web server `anneal dashboard` runs. A program of its own, so the
// HTTP library and what it loads (TLS, compression, a shared libstdc++) never slow the
// start of `anneal node`, which runs once per node.
#include <charconv>
#include <cstdio>
#include <string_view>

#include <fmt/format.h>

#include "dashboard/launch.h"

int main(int argc, char** argv) {
  anneal::dashboard::LaunchOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if ((arg == "--host" || arg == "--port") && i + 1 < argc) {
      std::string_view value = argv[++i];
      if (arg == "--host") {
        options.host = value;
        continue;
      }
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), options.port);
      if (ec != std::errc() || end != value.data() + value.size() || options.port < 0 || options.port > 65535) {
        fmt::print(stderr, "anneal dashboard: --port: a port from 0 to 65535 is needed, not {}\n", value);
        return 2;
      }
    } else if (arg == "--open") {
      options.open = true;
    } else {
      fmt::print(stderr, "usage: anneal dashboard [--host H] [--port N] [--open]\n");
      return 2;
    }
  }
  auto served = anneal::dashboard::serve_dashboard(options);
  if (!served) {
    fmt::print(stderr, "anneal: error: {}\n", served.error().message);
    return 1;
  }
  return *served;
}
