// cli: how a ledger record's values print.
#pragma once

#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace anneal::cli {

/// A score or other number as the commands print it ("70", "0.125"), "-" when absent.
inline std::string number_text(const nlohmann::json& value) {
  return value.is_number() ? fmt::format("{:g}", value.get<double>()) : "-";
}

}  // namespace anneal::cli
