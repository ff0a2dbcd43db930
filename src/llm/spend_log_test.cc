#include "llm/spend_log.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "temp_dir.h"
#include "util/file.h"

namespace anneal::llm {

namespace {

namespace fs = std::filesystem;

using anneal::testing::TempDir;

double must(const Result<double>& value) {
  if (!value)
    FAIL(value.error().message);
  return *value;
}

void append_raw(const fs::path& file, const std::string& text) {
  std::string contents = read_file_if_exists(file).value_or("");
  REQUIRE(write_file_atomic(file, contents + text, Durability::Unsynced));
}

}  // namespace

TEST_CASE("local_day is today's date on this machine's calendar", "[llm]") {
  auto today = [] {
    std::time_t now = std::time(nullptr);
    std::tm local{};
    ::localtime_r(&now, &local);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &local);
    return std::string(text);
  };
  std::string before = today();
  std::string day = local_day();
  std::string after = today();
  // A run across midnight may see either day.
  CHECK((day == before || day == after));
  CHECK(day.size() == 10);
}

TEST_CASE("charges are summed per day and in total", "[llm]") {
  TempDir dir;
  SpendLog log(dir.path() / ".anneal" / "targets" / "api-perf" / "spend.jsonl");

  SECTION("a log that does not exist yet has spent nothing") {
    CHECK(must(log.spent_on("2026-03-01")) == 0.0);
    CHECK(must(log.spent_total()) == 0.0);
    CHECK(must(log.spent_on()) == 0.0);
  }
  SECTION("charges on different days are kept apart") {
    REQUIRE(log.charge(0.25, "node-a", "2026-03-01"));
    REQUIRE(log.charge(0.50, "node-b", "2026-03-01"));
    REQUIRE(log.charge(1.125, "node-c", "2026-03-02"));
    REQUIRE(log.charge(0.0, "local model", "2026-03-02"));
    CHECK(must(log.spent_on("2026-03-01")) == Approx(0.75));
    CHECK(must(log.spent_on("2026-03-02")) == Approx(1.125));
    CHECK(must(log.spent_on("2026-03-03")) == 0.0);
    CHECK(must(log.spent_total()) == Approx(1.875));
  }
  SECTION("a charge without a day counts against today") {
    REQUIRE(log.charge(0.3, "node-a"));
    CHECK(must(log.spent_on()) == Approx(0.3));
    CHECK(must(log.spent_on(local_day())) == Approx(0.3));
  }
  SECTION("each charge is one JSON line saying what it was for") {
    REQUIRE(log.charge(0.1, "node \"x\"\nline two", "2026-03-01"));
    std::string text = read_file(dir.path() / ".anneal/targets/api-perf/spend.jsonl").value();
    REQUIRE(std::count(text.begin(), text.end(), '\n') == 1);
    auto line = nlohmann::json::parse(text);
    CHECK(line.at("day") == "2026-03-01");
    CHECK(line.at("usd").get<double>() == Approx(0.1));
    CHECK(line.at("what") == "node \"x\"\nline two");
    CHECK(line.at("v") == 1);
  }
  SECTION("a bad amount or day is refused and not recorded") {
    CHECK_FALSE(log.charge(-0.5, "refund", "2026-03-01"));
    CHECK_FALSE(log.charge(std::nan(""), "nan", "2026-03-01"));
    CHECK_FALSE(log.charge(INFINITY, "inf", "2026-03-01"));
    auto bad_day = log.charge(0.5, "x", "March 1st");
    REQUIRE_FALSE(bad_day);
    CHECK(bad_day.error().message.find("'March 1st' is not a day of the form YYYY-MM-DD") !=
          std::string::npos);
    CHECK(must(log.spent_total()) == 0.0);
  }
}

TEST_CASE("torn and unparseable lines are skipped", "[llm]") {
  TempDir dir;
  fs::path file = dir.path() / "spend.jsonl";
  SpendLog log(file);
  REQUIRE(log.charge(0.25, "a", "2026-03-01"));

  SECTION("a torn last line is ignored") {
    append_raw(file, R"({"day":"2026-03-01","usd":7)");
    CHECK(must(log.spent_on("2026-03-01")) == Approx(0.25));
    SECTION("and the next charge still counts") {
      REQUIRE(log.charge(0.5, "b", "2026-03-01"));
      CHECK(must(log.spent_on("2026-03-01")) == Approx(0.75));
      CHECK(must(log.spent_total()) == Approx(0.75));
    }
  }
  SECTION("garbage, blank and incomplete lines in the middle are ignored") {
    append_raw(file, "not json\n\n{\"usd\": 3}\n{\"day\": \"2026-03-01\", \"usd\": \"3\"}\n[1,2]\n");
    REQUIRE(log.charge(0.5, "b", "2026-03-01"));
    CHECK(must(log.spent_on("2026-03-01")) == Approx(0.75));
  }
}

TEST_CASE("concurrent charges from several processes are all counted", "[llm]") {
  TempDir dir;
  fs::path file = dir.path() / "spend.jsonl";
  constexpr int k_processes = 4;
  constexpr int k_charges = 200;
  const std::string what(300, 'x');  // long lines make interleaving visible if it happened

  std::vector<pid_t> children;
  for (int p = 0; p < k_processes; ++p) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      SpendLog log(file);
      int failures = 0;
      for (int i = 0; i < k_charges; ++i)
        failures += log.charge(0.125, what, i % 2 ? "2026-03-01" : "2026-03-02") ? 0 : 1;
      ::_exit(failures == 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }

  SpendLog log(file);
  // 0.125 is exact in binary, so the sums are exact.
  CHECK(must(log.spent_total()) == k_processes * k_charges * 0.125);
  CHECK(must(log.spent_on("2026-03-01")) == k_processes * k_charges / 2 * 0.125);
  CHECK(must(log.spent_on("2026-03-02")) == k_processes * k_charges / 2 * 0.125);
  std::string text = read_file(file).value();
  CHECK(std::count(text.begin(), text.end(), '\n') == k_processes * k_charges);
}

}  // namespace anneal::llm
