#include "stats/json_api.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "stats/beta.h"
#include "stats/effect_size.h"
#include "stats/holm.h"
#include "stats/wilcoxon.h"

namespace anneal::stats {

namespace {

using nlohmann::json;

/// One item being read: its index for error messages and its fields.
class Item {
 public:
  Item(size_t index, const json& value) : m_index(index), m_value(value) {}

  /// Fails unless the item is an object whose fields are all in `known`.
  Result<void> check_shape(std::initializer_list<std::string_view> known) const {
    if (!m_value.is_object())
      return error(fmt::format("expected an object, got {}", m_value.type_name()));
    for (const auto& [key, unused] : m_value.items()) {
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        std::string list;
        for (std::string_view k : known)
          list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", k);
        return field_error(key, fmt::format("unknown field (known: {})", list));
      }
    }
    return {};
  }

  bool has(const char* field) const { return m_value.contains(field); }

  Result<std::vector<double>> numbers(const char* field) const {
    if (!has(field))
      return field_error(field, "missing (an array of numbers)");
    const json& v = m_value.at(field);
    if (!v.is_array())
      return field_error(field, fmt::format("expected an array of numbers, got {}", v.type_name()));
    std::vector<double> out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_number())
        return field_error(field, fmt::format("element {}: expected a number, got {}", i, v[i].type_name()));
      out.push_back(v[i].get<double>());
    }
    return out;
  }

  Result<double> number(const char* field, std::optional<double> fallback = std::nullopt) const {
    if (!has(field)) {
      if (fallback)
        return *fallback;
      return field_error(field, "missing (a number)");
    }
    const json& v = m_value.at(field);
    if (!v.is_number())
      return field_error(field, fmt::format("expected a number, got {}", v.type_name()));
    return v.get<double>();
  }

  Result<bool> boolean(const char* field, bool fallback) const {
    if (!has(field))
      return fallback;
    const json& v = m_value.at(field);
    if (!v.is_boolean())
      return field_error(field, fmt::format("expected true or false, got {}", v.type_name()));
    return v.get<bool>();
  }

  /// A string field that must be one of `choices`, parsed by `parse`.
  template <class T, class Parse>
  Result<T> choice(const char* field, T fallback, Parse parse,
                   std::initializer_list<std::string_view> choices) const {
    if (!has(field))
      return fallback;
    const json& v = m_value.at(field);
    std::optional<T> parsed;
    if (v.is_string())
      parsed = parse(v.get<std::string>());
    if (parsed)
      return *parsed;
    std::string list;
    for (std::string_view c : choices)
      list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", c);
    return field_error(field, fmt::format("expected one of {}, got {}", list, v.dump()));
  }

  /// A failure of the item as a whole (not of one field).
  std::unexpected<Error> error(const std::string& message) const {
    return fail(fmt::format("item {}: {}", m_index, message));
  }
  std::unexpected<Error> field_error(std::string_view field, const std::string& message) const {
    return fail(fmt::format("item {}: field \"{}\": {}", m_index, field, message));
  }

 private:
  size_t m_index;
  const json& m_value;
};

Result<json> wilcoxon_item(const Item& item) {
  if (auto shape = item.check_shape({"x", "y", "alternative", "zero_method", "correction", "method"}); !shape)
    return std::unexpected(shape.error());
  auto x = item.numbers("x");
  if (!x)
    return std::unexpected(x.error());
  std::optional<std::vector<double>> y;
  if (item.has("y")) {
    auto read = item.numbers("y");
    if (!read)
      return std::unexpected(read.error());
    if (read->size() != x->size())
      return item.field_error(
          "y", fmt::format("has {} values but x has {}; pairs need equal lengths", read->size(), x->size()));
    y = std::move(*read);
  }
  WilcoxonOptions options;
  auto alternative =
      item.choice("alternative", Alternative::two_sided, parse_alternative, {"two-sided", "greater", "less"});
  auto zero_method =
      item.choice("zero_method", ZeroMethod::wilcox, parse_zero_method, {"wilcox", "pratt", "zsplit"});
  auto method =
      item.choice("method", WilcoxonMethod::automatic, parse_wilcoxon_method, {"auto", "exact", "approx"});
  auto correction = item.boolean("correction", false);
  if (!alternative)
    return std::unexpected(alternative.error());
  if (!zero_method)
    return std::unexpected(zero_method.error());
  if (!method)
    return std::unexpected(method.error());
  if (!correction)
    return std::unexpected(correction.error());
  options.alternative = *alternative;
  options.zero_method = *zero_method;
  options.method = *method;
  options.correction = *correction;
  auto result = y ? wilcoxon(*x, *y, options) : wilcoxon(*x, options);
  if (!result)
    return item.error(result.error().message);
  // SciPy's NaN (no pairs) is null: JSON has no NaN.
  auto number_or_null = [](double v) { return std::isnan(v) ? json(nullptr) : json(v); };
  return json{{"statistic", number_or_null(result->statistic)}, {"pvalue", number_or_null(result->pvalue)}};
}

Result<json> beta_ppf_item(const Item& item) {
  if (auto shape = item.check_shape({"a", "b", "q"}); !shape)
    return std::unexpected(shape.error());
  auto a = item.number("a");
  if (!a)
    return std::unexpected(a.error());
  auto b = item.number("b");
  if (!b)
    return std::unexpected(b.error());
  auto q = item.number("q");
  if (!q)
    return std::unexpected(q.error());
  if (!(*a > 0))
    return item.field_error("a", fmt::format("must be positive, got {}", *a));
  if (!(*b > 0))
    return item.field_error("b", fmt::format("must be positive, got {}", *b));
  if (!(*q >= 0 && *q <= 1))
    return item.field_error("q", fmt::format("must be between 0 and 1, got {}", *q));
  auto value = beta_ppf(*a, *b, *q);
  if (!value)
    return item.error(value.error().message);
  return json{{"value", *value}};
}

Result<json> holm_item(const Item& item) {
  if (auto shape = item.check_shape({"p", "alpha"}); !shape)
    return std::unexpected(shape.error());
  auto p = item.numbers("p");
  if (!p)
    return std::unexpected(p.error());
  auto alpha = item.number("alpha", 0.05);
  if (!alpha)
    return std::unexpected(alpha.error());
  for (size_t i = 0; i < p->size(); ++i) {
    if (!((*p)[i] >= 0 && (*p)[i] <= 1))
      return item.field_error(
          "p", fmt::format("element {}: a p-value must be between 0 and 1, got {}", i, (*p)[i]));
  }
  if (!(*alpha >= 0 && *alpha <= 1))
    return item.field_error("alpha", fmt::format("must be between 0 and 1, got {}", *alpha));
  auto result = holm(*p, *alpha);
  if (!result)
    return item.error(result.error().message);
  json rejected = json::array();
  for (bool r : result->rejected)
    rejected.push_back(r);
  return json{{"rejected", rejected}, {"adjusted", result->adjusted}};
}

Result<json> cohen_d_item(const Item& item) {
  if (auto shape = item.check_shape({"x", "y"}); !shape)
    return std::unexpected(shape.error());
  auto x = item.numbers("x");
  if (!x)
    return std::unexpected(x.error());
  Result<std::optional<double>> d_z = std::optional<double>{};
  if (item.has("y")) {
    auto y = item.numbers("y");
    if (!y)
      return std::unexpected(y.error());
    if (y->size() != x->size())
      return item.field_error(
          "y", fmt::format("has {} values but x has {}; pairs need equal lengths", y->size(), x->size()));
    d_z = cohen_d_paired(*x, *y);
  } else {
    d_z = cohen_d_z(*x);
  }
  if (!d_z)
    return item.error(d_z.error().message);
  return json{{"d_z", *d_z ? json(**d_z) : json(nullptr)}};
}

using Handler = Result<json> (*)(const Item&);

struct Verb {
  std::string_view name;
  Handler handler;
};

constexpr Verb k_verbs[] = {
    {"wilcoxon", wilcoxon_item},
    {"beta-ppf", beta_ppf_item},
    {"holm", holm_item},
    {"cohen-d", cohen_d_item},
};

}  // namespace

const std::vector<std::string_view>& verbs() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const Verb& v : k_verbs)
      out.push_back(v.name);
    return out;
  }();
  return names;
}

Result<json> run_verb(std::string_view verb, const json& items) {
  Handler handler = nullptr;
  for (const Verb& v : k_verbs) {
    if (v.name == verb)
      handler = v.handler;
  }
  if (!handler) {
    std::string list;
    for (std::string_view name : verbs())
      list += fmt::format("{}{}", list.empty() ? "" : ", ", name);
    return fail(fmt::format("unknown stats verb \"{}\" (known: {})", verb, list));
  }
  if (!items.is_array())
    return fail(fmt::format("expected a JSON array of items, got {}", items.type_name()));
  json results = json::array();
  for (size_t i = 0; i < items.size(); ++i) {
    auto result = handler(Item(i, items[i]));
    if (!result)
      return std::unexpected(result.error());
    results.push_back(std::move(*result));
  }
  return results;
}

}  // namespace anneal::stats
