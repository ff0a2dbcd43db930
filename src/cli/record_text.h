// cli: how a ledger record's values print.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace anneal::cli {

/// A score or other number as the commands print it ("70", "0.125"), "-" when absent.
inline std::string number_text(const nlohmann::json& value) {
  return value.is_number() ? fmt::format("{:g}", value.get<double>()) : "-";
}

/// The candidate commit of a ledger record; empty when it has none.
inline std::string commit_of(const nlohmann::json& record) {
  const nlohmann::json commit = record.value("commit", nlohmann::json());
  return commit.is_string() ? commit.get<std::string>() : "";
}

/// A duration in seconds as tables print it: "0.03", "12.4", "154".
std::string seconds_text(double seconds);

/// Untrusted text (a hypothesis, a reason) on one terminal line: every run of white space,
/// control characters (C0, DEL and C1, so no escape sequence reaches the terminal) included,
/// becomes one space; leading and trailing space go.
std::string one_line(std::string_view text);

/// How many columns `text` (UTF-8) takes: its code points.
size_t display_width(std::string_view text);

/// `text` cut to at most `width` columns, ending in "…" when it was cut; never splits a
/// UTF-8 sequence.
std::string truncate_display(std::string_view text, size_t width);

}  // namespace anneal::cli
