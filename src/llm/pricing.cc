#include "llm/pricing.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "util/file.h"
#include "util/user_config_dir.h"
#include "util/yaml_aliases.h"

namespace anneal::llm {

namespace {

struct ListPrice {
  const char* model;
  Price price;
};

// OpenAI list prices, Standard tier, USD per million tokens. Source: OpenAI's pricing page
// (https://developers.openai.com/api/docs/pricing) as mirrored by simonw/llm-prices
// data/openai.json and cross-checked against third-party copies of the page from March–June
// 2026; looked up 2026-11-27. o3 is the price after the June 2025 cut ($2/$8; it was $10/$40).
// gpt-5.4 and gpt-5.5 cost more for prompts over 272K tokens; only the short-context price is
// kept here. Cached-input, Batch, Flex and Priority prices are not modelled.
// clang-format off
constexpr ListPrice k_openai[] = {
    {"gpt-5.5", {5.00, 30.00}},
    {"gpt-5.5-pro", {30.00, 180.00}},
    {"gpt-5.4", {2.50, 15.00}},
    {"gpt-5.4-mini", {0.75, 4.50}},
    {"gpt-5.4-nano", {0.20, 1.25}},
    {"gpt-5.4-pro", {30.00, 180.00}},
    {"gpt-5.2", {1.75, 14.00}},
    {"gpt-5.2-pro", {21.00, 168.00}},
    {"gpt-5.1", {1.25, 10.00}},
    {"gpt-5.1-codex-mini", {0.25, 2.00}},
    {"gpt-5", {1.25, 10.00}},
    {"gpt-5-mini", {0.25, 2.00}},
    {"gpt-5-nano", {0.05, 0.40}},
    {"gpt-5-pro", {15.00, 120.00}},
    {"gpt-4.1", {2.00, 8.00}},
    {"gpt-4.1-mini", {0.40, 1.60}},
    {"gpt-4.1-nano", {0.10, 0.40}},
    {"gpt-4o", {2.50, 10.00}},
    {"gpt-4o-mini", {0.15, 0.60}},
    {"o1", {15.00, 60.00}},
    {"o1-mini", {1.10, 4.40}},
    {"o1-pro", {150.00, 600.00}},
    {"o3", {2.00, 8.00}},
    {"o3-mini", {1.10, 4.40}},
    {"o3-pro", {20.00, 80.00}},
    {"o3-deep-research", {10.00, 40.00}},
    {"o4-mini", {1.10, 4.40}},
    {"o4-mini-deep-research", {2.00, 8.00}},
};
// clang-format on

// Anthropic list prices ("Base input tokens" and "Output tokens"), USD per million tokens.
// Source: https://platform.claude.com/docs/en/about-claude/pricing ("Model pricing") and the
// model overview pages under https://platform.claude.com/docs/en/models/; looked up
// 2026-11-27. Claude Haiku 5.5 costs $0.10/$0.50 for prompts up to 100K tokens and
// $0.50/$2.50 above; only the lower band is kept here. Cache writes and reads are not
// modelled. "claude-opus-4" also prices the alias "claude-opus-4-0" and the snapshot
// "claude-opus-4-20250514" (likewise "claude-sonnet-4").
// clang-format off
constexpr ListPrice k_anthropic[] = {
    {"claude-fable-5-1", {10.00, 50.00}},
    {"claude-fable-5", {10.00, 50.00}},
    {"claude-mythos-5-1", {10.00, 50.00}},
    {"claude-mythos-5", {10.00, 50.00}},
    {"claude-opus-5-5", {4.00, 20.00}},
    {"claude-opus-5", {5.00, 25.00}},
    {"claude-opus-4-8", {5.00, 25.00}},
    {"claude-opus-4-7", {5.00, 25.00}},
    {"claude-opus-4-6", {5.00, 25.00}},
    {"claude-opus-4-5", {5.00, 25.00}},
    {"claude-opus-4-1", {15.00, 75.00}},
    {"claude-opus-4", {15.00, 75.00}},
    {"claude-sonnet-5-5", {2.00, 10.00}},
    {"claude-sonnet-5", {2.00, 10.00}},
    {"claude-sonnet-4-6", {3.00, 15.00}},
    {"claude-sonnet-4-5", {3.00, 15.00}},
    {"claude-sonnet-4", {3.00, 15.00}},
    {"claude-3-7-sonnet", {3.00, 15.00}},
    {"claude-haiku-5-5", {0.10, 0.50}},
    {"claude-haiku-4-5", {1.00, 5.00}},
    {"claude-3-5-haiku", {0.80, 4.00}},
    {"claude-3-haiku", {0.25, 1.25}},
    {"claude-3-opus", {15.00, 75.00}},
};
// clang-format on

int index_of(Provider provider) {
  return provider == Provider::openai ? 0 : 1;
}

/// Whether `known` names `model` or a snapshot of it: "gpt-4.1" names "gpt-4.1-2025-04-14"
/// but not "gpt-4.1.2" (a later version) nor "gpt-4.1x".
bool names_snapshot(std::string_view known, std::string_view model) {
  if (!model.starts_with(known))
    return false;
  if (model.size() == known.size())
    return true;
  unsigned char next = static_cast<unsigned char>(model[known.size()]);
  return !std::isalnum(next) && next != '.';
}

/// "FILE:LINE:COL: error: WHAT" for the 0-based `mark` in `file`.
std::string located(const std::filesystem::path& file, const YAML::Mark& mark, const std::string& what) {
  int line = mark.line < 0 ? 1 : mark.line + 1;
  int column = mark.column < 0 ? 1 : mark.column + 1;
  return fmt::format("{}:{}:{}: error: {}", file.string(), line, column, what);
}

/// A price per million tokens as written in the file: a finite number >= 0.
std::optional<double> parse_amount(const YAML::Node& node) {
  if (!node.IsScalar())
    return std::nullopt;
  std::string_view text = node.Scalar();
  if (text.starts_with('+'))
    text.remove_prefix(1);
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0)
    return std::nullopt;
  return value;
}

struct Entry {
  Provider provider;
  std::string model;
  Price price;
};

/// The prices of one provider's section: a mapping of model name to {input, output}.
Result<void> read_section(const std::filesystem::path& file, Provider provider, const YAML::Node& section,
                          std::vector<Entry>& out) {
  std::string provider_label(provider_name(provider));
  if (section.IsNull())
    return {};
  if (!section.IsMap())
    return fail(located(file, section.Mark(),
                        fmt::format("'{}' must map model names to prices, e.g. "
                                    "{{my-model: {{input: 1.0, output: 2.0}}}}",
                                    provider_label)));
  for (auto it = section.begin(); it != section.end(); ++it) {
    const YAML::Node model_node = it->first;
    const YAML::Node price_node = it->second;
    if (!model_node.IsScalar() || model_node.Scalar().empty())
      return fail(located(file, model_node.Mark(), "a model name must be a non-empty plain name"));
    const std::string& model = model_node.Scalar();
    std::string subject = fmt::format("the price of {} model '{}'", provider_label, model);
    if (!price_node.IsMap())
      return fail(located(file, price_node.Mark(),
                          fmt::format("{} must be a mapping {{input: X, output: Y}} (USD per million "
                                      "tokens)",
                                      subject)));
    std::optional<double> input, output;
    for (auto field = price_node.begin(); field != price_node.end(); ++field) {
      const YAML::Node key = field->first;
      const YAML::Node value = field->second;
      std::string name = key.IsScalar() ? key.Scalar() : std::string();
      if (name != "input" && name != "output")
        return fail(located(file, key.Mark(),
                            fmt::format("unknown key '{}' in {} (expected input, output)", name, subject)));
      std::optional<double> amount = parse_amount(value);
      if (!amount)
        return fail(
            located(file, value.Mark(),
                    fmt::format("'{}' in {} must be a number >= 0 (USD per million tokens)", name, subject)));
      (name == "input" ? input : output) = amount;
    }
    if (!input || !output)
      return fail(located(
          file, price_node.Mark(),
          fmt::format("{} needs both input and output (missing {})", subject, input ? "output" : "input")));
    out.push_back({provider, model, {*input, *output}});
  }
  return {};
}

}  // namespace

PriceTable PriceTable::defaults() {
  PriceTable table;
  for (const ListPrice& entry : k_openai)
    table.set(Provider::openai, entry.model, entry.price);
  for (const ListPrice& entry : k_anthropic)
    table.set(Provider::anthropic, entry.model, entry.price);
  return table;
}

void PriceTable::set(Provider provider, const std::string& model, Price price) {
  m_prices[index_of(provider)][model] = price;
}

std::optional<Price> PriceTable::find(Provider provider, std::string_view model) const {
  const auto& prices = m_prices[index_of(provider)];
  if (auto exact = prices.find(std::string(model)); exact != prices.end())
    return exact->second;
  const Price* best = nullptr;
  size_t best_length = 0;
  for (const auto& [known, price] : prices) {
    if (known.size() > best_length && names_snapshot(known, model)) {
      best = &price;
      best_length = known.size();
    }
  }
  if (!best)
    return std::nullopt;
  return *best;
}

Result<void> PriceTable::overlay_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    return {};
  auto text = read_file(file);
  if (!text)
    return std::unexpected(text.error());
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return fail(located(file, e.mark, e.msg));
  }
  if (auto bomb = check_yaml_aliases(*text))
    return fail(fmt::format("{}:{}:{}: error: {}", file.string(), bomb->line, bomb->column,
                            bomb->message));
  if (!root.IsDefined() || root.IsNull())
    return {};  // an empty file, or only comments
  if (!root.IsMap())
    return fail(located(file, root.Mark(),
                        "pricing must be a mapping of provider (openai, anthropic) to model prices"));
  // Everything is checked before anything is set, so a bad file changes no price.
  std::vector<Entry> entries;
  try {
    for (auto it = root.begin(); it != root.end(); ++it) {
      const YAML::Node key = it->first;
      std::string name = key.IsScalar() ? key.Scalar() : std::string();
      auto provider = parse_provider(name);
      if (!provider)
        return fail(located(file, key.Mark(), provider.error().message));
      if (auto read = read_section(file, *provider, it->second, entries); !read)
        return read;
    }
  } catch (const YAML::Exception& e) {
    return fail(located(file, e.mark, e.msg));
  }
  for (Entry& entry : entries)
    set(entry.provider, entry.model, entry.price);
  return {};
}

Result<PriceTable> load_price_table() {
  PriceTable table = PriceTable::defaults();
  if (auto overlaid = table.overlay_file(user_config_dir() / "pricing.yaml"); !overlaid)
    return std::unexpected(overlaid.error());
  return table;
}

double cost_usd(const Price& price, int64_t input_tokens, int64_t output_tokens) {
  return (static_cast<double>(input_tokens) * price.input_per_mtok +
          static_cast<double>(output_tokens) * price.output_per_mtok) /
         1e6;
}

}  // namespace anneal::llm
