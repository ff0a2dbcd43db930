#include "dashboard/ledger_watch.h"

#include <fstream>
#include <mutex>

#include <catch2/catch.hpp>

#include "temp_dir.h"

using namespace anneal::dashboard;
using anneal::graph::Ledger;
using anneal::testing::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json record(int id, const std::string& key) { return {{"v", 2}, {"id", id}, {"key", key}, {"outcome", "kept"}}; }

void append(const fs::path& path, const json& r) {
  auto ledger = Ledger::open(path);
  REQUIRE(ledger);
  REQUIRE(ledger->append(r));
}

std::vector<json> published(EventHub& hub, uint64_t& cursor) {
  std::vector<json> out;
  for (const Event& e : hub.wait_after(cursor, std::chrono::milliseconds(0))) {
    out.push_back(json::parse(e.data));
    cursor = e.seq;
  }
  return out;
}

}  // namespace

TEST_CASE("the ledger watch publishes each record appended after it started, once", "[dashboard]") {
  TempDir dir;
  fs::path targets = dir.path() / "targets";
  fs::path ledger = targets / "latency" / "experiments.jsonl";
  append(ledger, record(0, "a0"));
  append(ledger, record(1, "a1"));
  EventHub hub;
  std::mutex library;
  LedgerWatch watch(targets, [](const json& r) { return json{{"shaped", r.at("id")}}; }, hub, library);
  uint64_t cursor = 0;
  watch.poll();
  CHECK(published(hub, cursor).empty());  // what was there before: the page loads it

  append(ledger, record(2, "a2"));
  watch.poll();
  auto events = published(hub, cursor);
  REQUIRE(events.size() == 1);
  CHECK(events[0] == json{{"target", "latency"}, {"id", 2}, {"record", {{"shaped", 2}}}});
  watch.poll();
  CHECK(published(hub, cursor).empty());

  SECTION("a new target's ledger: all of its records") {
    append(targets / "size" / "experiments.jsonl", record(0, "b0"));
    watch.poll();
    events = published(hub, cursor);
    REQUIRE(events.size() == 1);
    CHECK(events[0]["target"] == "size");
  }
  SECTION("a new generation starts again at #0") {
    append(ledger, record(0, "c0"));
    append(ledger, record(1, "c1"));
    watch.poll();
    events = published(hub, cursor);
    REQUIRE(events.size() == 2);
    CHECK(events[0]["id"] == 0);
    CHECK(events[1]["id"] == 1);
  }
  SECTION("a line being written is not read, and not cut off, until it is complete") {
    std::string line = record(3, "a3").dump();
    {
      std::ofstream out(ledger, std::ios::app);
      out << line.substr(0, 10);
    }
    auto size = fs::file_size(ledger);
    watch.poll();
    CHECK(published(hub, cursor).empty());
    CHECK(fs::file_size(ledger) == size);  // a build's half-written record stays
  }
  SECTION("a line not in the chain (written by anything but anneal) is not sent") {
    {
      std::ofstream out(ledger, std::ios::app);
      out << record(3, "forged").dump() << "\n";
    }
    watch.poll();
    CHECK(published(hub, cursor).empty());
  }
}
