#pragma once

#include <string>

#include "util/error.h"

namespace anneal::dashboard {

/// What `anneal dashboard` was asked for.
struct LaunchOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  bool open = false;  ///< open the page in the user's browser ($BROWSER, else xdg-open)
};

/// Serves the dashboard of the repository of the current directory until SIGINT or
/// SIGTERM; prints its URL (with the token, when the host is not loopback) first.
Result<int> serve_dashboard(const LaunchOptions& options);

}  // namespace anneal::dashboard
