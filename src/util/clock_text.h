#pragma once

#include <string>

namespace anneal {

/// The current time in UTC as ISO 8601 to the second: "2026-11-27T18:02:39Z".
std::string now_utc_iso();

}  // namespace anneal
