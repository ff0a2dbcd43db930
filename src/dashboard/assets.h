// dashboard: `anneal dashboard`'s web server — its page, API routes, access token and live
// ledger events.
#pragma once

#include <optional>
#include <string_view>

namespace anneal::dashboard {

/// A file the dashboard serves from memory (embedded at build time by cmake/embed_file.cmake).
struct Asset {
  std::string_view bytes;
  std::string_view content_type;
};

/// The asset served at `path` ("/assets/chart.js", "/assets/page.js"); nullopt for any other.
std::optional<Asset> asset(std::string_view path);

/// The page (src/dashboard/page.html), served for "/" and "/targets/NAME".
Asset page();

}  // namespace anneal::dashboard
