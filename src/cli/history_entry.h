// cli: a ledger record as `anneal history --json` and `anneal show --json` list it.
#pragma once

#include <nlohmann/json.hpp>

namespace anneal::cli {

/// The history fields the design names, in a stable order.
nlohmann::json history_entry(const nlohmann::json& record);

}  // namespace anneal::cli
