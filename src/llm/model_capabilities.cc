#include "llm/model_capabilities.h"

#include <cctype>

namespace anneal::llm {

namespace {

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

/// "o1", "o3-mini", "o4-mini-2025-04-16": an 'o' and a digit start the name.
bool is_o_series(std::string_view model) { return model.size() >= 2 && model[0] == 'o' && is_digit(model[1]); }

/// "gpt-5", "gpt-5-mini", "gpt-5.1", "gpt-5.4-nano-2026-03-05" — but not "gpt-50".
bool is_gpt5_family(std::string_view model) {
  constexpr std::string_view k_prefix = "gpt-5";
  if (!model.starts_with(k_prefix))
    return false;
  return model.size() == k_prefix.size() || model[k_prefix.size()] == '-' || model[k_prefix.size()] == '.';
}

}  // namespace

TemperatureRange temperature_range(Provider provider) {
  return provider == Provider::anthropic ? TemperatureRange{0.0, 1.0} : TemperatureRange{0.0, 2.0};
}

bool accepts_temperature(Provider provider, std::string_view model) {
  if (provider != Provider::openai)
    return true;
  if (size_t slash = model.rfind('/'); slash != std::string_view::npos)
    model.remove_prefix(slash + 1);
  return !is_o_series(model) && !is_gpt5_family(model);
}

}  // namespace anneal::llm
