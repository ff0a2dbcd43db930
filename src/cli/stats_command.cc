// `anneal stats VERB`: the statistics engine on JSON (stdin → stdout), see stats/json_api.h.
#include <iostream>
#include <iterator>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "stats/json_api.h"
#include "util/json_text.h"

namespace anneal::cli {

Result<int> run_stats(const std::string& verb) {
  std::string input{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  if (std::cin.bad())
    return fail(fmt::format("stats {}: cannot read standard input", verb));
  nlohmann::json items;
  try {
    items = nlohmann::json::parse(input);
  } catch (const nlohmann::json::parse_error& e) {
    return fail(fmt::format("stats {}: standard input is not JSON: {}", verb, e.what()));
  }
  auto results = stats::run_verb(verb, items);
  if (!results)
    return fail(fmt::format("stats {}: {}", verb, results.error().message));
  // nlohmann prints doubles with the digits that read back to the same value.
  fmt::print("{}\n", dump_json(*results));
  return 0;
}

}  // namespace anneal::cli
