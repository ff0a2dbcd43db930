// What each provider's models accept, so anneal never sends a request the provider rejects:
// the documented temperature range, and the models that take only their default temperature.
#pragma once

#include <string_view>

#include "llm/request.h"

namespace anneal::llm {

/// The temperatures a provider's API accepts, both ends included.
struct TemperatureRange {
  double min = 0;
  double max = 0;
};

/// OpenAI Chat Completions: 0 to 2 ("What sampling temperature to use, between 0 and 2");
/// Anthropic Messages: 0.0 to 1.0 ("Ranges from 0.0 to 1.0", default 1.0).
TemperatureRange temperature_range(Provider provider);

/// The temperature a provider uses when a request sends none (1 for both).
inline constexpr double k_default_temperature = 1.0;

/// Whether `model` accepts a temperature other than its default. OpenAI's reasoning models —
/// the o-series (o1, o3, o4-mini and their snapshots) and the gpt-5 family (gpt-5, gpt-5-mini,
/// gpt-5.1, …) — answer 400 "Unsupported value: 'temperature' does not support 0.2 with this
/// model. Only the default (1) value is supported."; every other model takes one. A router's
/// "vendor/model" name ("openai/o3") is judged by the part after the last '/'.
bool accepts_temperature(Provider provider, std::string_view model);

}  // namespace anneal::llm
