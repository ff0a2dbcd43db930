// Typed reads of one field of a persisted JSON object, for the from_json functions of the
// search structures: nullopt when the field is missing or of another type.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace anneal::search {

/// An integer that fits an int.
std::optional<int> int_field(const nlohmann::json& j, const char* name);
std::optional<std::string> string_field(const nlohmann::json& j, const char* name);
std::optional<double> number_field(const nlohmann::json& j, const char* name);

/// What every stored candidate carries: its experiment's id and its commit.
struct CandidateFields {
  int id = 0;
  std::string commit;
};

/// An object's integer 'id' and string 'commit'. The error says what is wrong, worded to follow
/// the candidate's name in a message: "is not an object", "needs an integer 'id'", ...
std::expected<CandidateFields, std::string> candidate_fields(const nlohmann::json& j);

/// An array of numbers, worded like candidate_fields: "needs an array 'NAME'", "has a 'NAME'
/// value that is not a number".
std::expected<std::vector<double>, std::string> numbers_field(const nlohmann::json& j, const char* name);

}  // namespace anneal::search
