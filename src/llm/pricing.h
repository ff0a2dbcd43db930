// What tokens cost: built-in prices for current OpenAI and Anthropic models, overridable by
// the user's pricing.yaml and per agent.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "llm/request.h"
#include "util/error.h"

namespace anneal::llm {

/// USD per million tokens.
struct Price {
  double input_per_mtok = 0;
  double output_per_mtok = 0;
};

/// Prices by provider and model name. A model is found by its exact name, else by the longest
/// known name it starts with ("gpt-4.1-mini-2025-04-14" costs what "gpt-4.1-mini" costs), where
/// the known name must end at a separator: "gpt-5-2025-08-07" costs what "gpt-5" costs, but
/// "gpt-5.9" and "gpt-4o" are not "gpt-5" and "gpt-4" (a letter, digit or '.' continues a name).
class PriceTable {
 public:
  /// The built-in prices (list prices of the providers' current models, 2026).
  static PriceTable defaults();

  /// Overlays a YAML file of the form
  ///   openai:    {gpt-4.1-mini: {input: 0.40, output: 1.60}, ...}
  ///   anthropic: {claude-sonnet-4-5: {input: 3, output: 15}, ...}
  /// (USD per million tokens; both `input` and `output` are required, no other key is allowed).
  /// A listed model replaces the built-in price or adds a model. A missing file is not an
  /// error; a malformed one is, as "FILE:LINE:COL: error: MESSAGE" (1-based). On error the
  /// table is left unchanged.
  Result<void> overlay_file(const std::filesystem::path& file);

  /// Adds or replaces the price of `model` (a full name or the prefix of dated snapshots).
  void set(Provider provider, const std::string& model, Price price);
  /// The price of `model` (see the class comment), or nullopt when no known name matches.
  std::optional<Price> find(Provider provider, std::string_view model) const;

 private:
  std::map<std::string, Price> m_prices[2];  ///< by Provider
};

/// The defaults overlaid with `pricing.yaml` in the user's config directory.
Result<PriceTable> load_price_table();

/// What a call with these token counts costs, in USD.
double cost_usd(const Price& price, int64_t input_tokens, int64_t output_tokens);

}  // namespace anneal::llm
