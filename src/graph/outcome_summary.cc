#include "graph/outcome_summary.h"

#include <fmt/format.h>

#include "cache/digest.h"
#include "graph/failure_category.h"

namespace anneal::graph {

bool improved_best(const nlohmann::json& record) {
  const nlohmann::json& commit = record.value("commit", nlohmann::json());
  const nlohmann::json& state = record.value("state", nlohmann::json::object());
  return record.value("id", 0) > 0 && commit.is_string() && state.is_object() &&
         state.value("best", "") == commit.get<std::string>();
}

std::string outcome_line(const nlohmann::json& r) {
  const nlohmann::json& score = r.value("score", nlohmann::json());
  std::string line = fmt::format("- #{} {}{}", r.value("id", 0), r.value("outcome", "?"),
                                 score.is_number() ? fmt::format(" (score {:g})", score.get<double>()) : "");
  if (improved_best(r))
    line += ", a new best";
  if (std::string category = failure_category(r); !category.empty())
    line += ", failed: " + category;
  if (std::string hypothesis = r.value("hypothesis", ""); !hypothesis.empty())
    line += "; hypothesis: " + hypothesis.substr(0, 300);
  return line + "\n";
}

std::string text_digest(std::string_view text) { return cache::digest_of(text, "anneal-text-1").hex(); }

}  // namespace anneal::graph
