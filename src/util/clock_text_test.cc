#include "util/clock_text.h"

#include <catch2/catch.hpp>

using namespace anneal;

TEST_CASE("a time written by now_utc_iso reads back as the same second", "[util]") {
  std::time_t before = std::time(nullptr);
  auto read = parse_utc_iso(now_utc_iso());
  REQUIRE(read);
  CHECK(*read >= before);
  CHECK(*read <= std::time(nullptr));
  CHECK(parse_utc_iso("2026-12-06T21:05:12Z") == std::optional<std::time_t>(1796591112));
  CHECK(now_utc_compact().size() == 16);
  for (const char* bad : {"", "2026-12-06", "2026-12-06T21:05:12", "2026-12-06T21:05:12Z trailing", "yesterday"})
    CHECK(!parse_utc_iso(bad));
}
