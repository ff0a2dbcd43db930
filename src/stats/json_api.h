// The statistics engine on JSON: what `anneal stats VERB` reads and prints, so any other
// implementation can be checked against this one.
//
// Each verb takes a JSON array of items and returns an array of results, one per item, in
// the same order. Items (fields in brackets are optional, defaults as SciPy's):
//   wilcoxon  {x: [num], [y: [num]], [alternative: "two-sided"|"greater"|"less"],
//              [zero_method: "wilcox"|"pratt"|"zsplit"], [correction: bool],
//              [method: "auto"|"exact"|"approx"]}  ->  {statistic: num, pvalue: num}
//             without y, x holds the differences; no pairs at all gives nulls (SciPy's NaN)
//   beta-ppf  {a: num, b: num, q: num}             ->  {value: num}
//   holm      {p: [num], [alpha: num = 0.05]}      ->  {rejected: [bool], adjusted: [num]}
//   cohen-d   {x: [num], [y: [num]]}               ->  {d_z: num | null}
// Fields not listed are errors (a misspelt option must not silently fall back to a default).
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace anneal::stats {

/// The verbs run_verb knows, in the order usage text lists them.
const std::vector<std::string_view>& verbs();

/// Runs `verb` over every item of `items`. Fails on an unknown verb, on `items` that is not
/// an array, and on the first bad item, naming its index and field:
///   item 3: field "alternative": expected one of "two-sided", "greater", "less", got "up"
Result<nlohmann::json> run_verb(std::string_view verb, const nlohmann::json& items);

}  // namespace anneal::stats
