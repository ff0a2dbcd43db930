#include "util/clock_text.h"

#include <time.h>

namespace anneal {

namespace {

std::string now_utc(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &utc);
  return buf;
}

}  // namespace

std::string now_utc_iso() { return now_utc("%Y-%m-%dT%H:%M:%SZ"); }

std::string now_utc_compact() { return now_utc("%Y%m%dT%H%M%SZ"); }

std::optional<std::time_t> parse_utc_iso(const std::string& text) {
  std::tm utc{};
  const char* end = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  if (!end || *end != '\0')
    return std::nullopt;
  return ::timegm(&utc);
}

}  // namespace anneal
