#pragma once

#include <ctime>
#include <optional>
#include <string>

namespace anneal {

/// The current time in UTC as ISO 8601 to the second: "2026-11-27T18:02:39Z".
std::string now_utc_iso();

/// The current time in UTC, compact for a file name: "20261127T180239Z".
std::string now_utc_compact();

/// Reads a time written by now_utc_iso; nullopt for anything else.
std::optional<std::time_t> parse_utc_iso(const std::string& text);

}  // namespace anneal
