#include "llm/spend_log.h"

#include <cmath>
#include <ctime>
#include <optional>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/file.h"
#include "util/json_text.h"
#include "util/locked_lines.h"

namespace anneal::llm {

namespace {

constexpr int k_format_version = 1;

bool is_day(std::string_view day) {
  if (day.size() != 10 || day[4] != '-' || day[7] != '-')
    return false;
  for (size_t i = 0; i < day.size(); ++i)
    if (i != 4 && i != 7 && (day[i] < '0' || day[i] > '9'))
      return false;
  return true;
}

/// The sum of the charges in `file` whose day is `day`, or of all of them when `day` is null.
Result<double> sum_charges(const std::filesystem::path& file, const std::string* day) {
  auto contents = read_locked(file);
  if (!contents)
    return std::unexpected(contents.error());
  if (!*contents)
    return 0.0;
  double sum = 0;
  std::string_view rest = **contents;
  while (!rest.empty()) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    // A torn or hand-edited line is skipped rather than failing every later budget check.
    nlohmann::json charge = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!charge.is_object())
      continue;
    auto day_member = charge.find("day");
    auto usd_member = charge.find("usd");
    if (day_member == charge.end() || !day_member->is_string() || usd_member == charge.end() ||
        !usd_member->is_number())
      continue;
    if (day && day_member->get_ref<const std::string&>() != *day)
      continue;
    double usd = usd_member->get<double>();
    if (std::isfinite(usd))
      sum += usd;
  }
  return sum;
}

}  // namespace

std::string local_day() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &local);
  return text;
}

Result<void> SpendLog::charge(double usd, const std::string& what, const std::string& day) {
  if (!std::isfinite(usd) || usd < 0)
    return fail(fmt::format("cannot record a charge of {} USD in {}: a charge must be a finite amount >= 0",
                            usd, m_file.string()));
  if (!is_day(day))
    return fail(fmt::format("cannot record a charge in {}: '{}' is not a day of the form YYYY-MM-DD",
                            m_file.string(), day));
  return append_line_locked(
      m_file, dump_json(nlohmann::json{{"day", day}, {"usd", usd}, {"v", k_format_version}, {"what", what}}));
}

Result<double> SpendLog::spent_on(const std::string& day) const {
  return sum_charges(m_file, &day);
}

Result<double> SpendLog::spent_total() const {
  return sum_charges(m_file, nullptr);
}

}  // namespace anneal::llm
