#include "search/json_fields.h"

#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace anneal::search {

std::optional<int> int_field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer())
    return std::nullopt;
  int64_t value = it->get<int64_t>();
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max())
    return std::nullopt;
  return static_cast<int>(value);
}

std::optional<std::string> string_field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string())
    return std::nullopt;
  return it->get<std::string>();
}

std::optional<double> number_field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number())
    return std::nullopt;
  return it->get<double>();
}

std::expected<CandidateFields, std::string> candidate_fields(const nlohmann::json& j) {
  if (!j.is_object())
    return std::unexpected("is not an object");
  auto id = int_field(j, "id");
  if (!id)
    return std::unexpected("needs an integer 'id'");
  auto commit = string_field(j, "commit");
  if (!commit)
    return std::unexpected("needs a string 'commit'");
  return CandidateFields{*id, std::move(*commit)};
}

std::expected<std::vector<double>, std::string> numbers_field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_array())
    return std::unexpected(fmt::format("needs an array '{}'", name));
  std::vector<double> numbers;
  for (const auto& v : *it) {
    if (!v.is_number())
      return std::unexpected(fmt::format("has a '{}' value that is not a number", name));
    numbers.push_back(v.get<double>());
  }
  return numbers;
}

}  // namespace anneal::search
