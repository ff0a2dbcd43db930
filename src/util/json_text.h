#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace anneal {

/// Serialises JSON. Text that is not valid UTF-8 — a command's raw output, a Latin-1 file —
/// becomes U+FFFD instead of an exception, so what a user's command prints can never stop
/// a node from storing its result.
inline std::string dump_json(const nlohmann::json& value, int indent = -1) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace anneal
