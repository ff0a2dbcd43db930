// Typed reads of one field of a persisted JSON object, for the from_json functions of the
// search structures: nullopt when the field is missing or of another type.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace anneal::search {

/// An integer that fits an int.
std::optional<int> int_field(const nlohmann::json& j, const char* name);
std::optional<std::string> string_field(const nlohmann::json& j, const char* name);
std::optional<double> number_field(const nlohmann::json& j, const char* name);

}  // namespace anneal::search
