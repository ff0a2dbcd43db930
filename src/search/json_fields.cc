#include "search/json_fields.h"

#include <cstdint>
#include <limits>

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

}  // namespace anneal::search
