#include "graph/ledger.h"
#include "graph/ledger_chain.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "temp_dir.h"

#include "util/file.h"

using namespace anneal::graph;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using anneal::testing::TempDir;

json record(int id, std::string outcome = "kept") {
  return {{"v", 1}, {"id", id}, {"outcome", std::move(outcome)}, {"score", 40.0 + id}};
}

Ledger open_ledger(const fs::path& path) {
  auto ledger = Ledger::open(path);
  REQUIRE(ledger);
  return std::move(*ledger);
}

void append(Ledger& ledger, const json& r) {
  REQUIRE(ledger.append(r));
}

std::vector<int> ids(const std::vector<json>& records) {
  std::vector<int> out;
  for (const auto& r : records)
    out.push_back(r.at("id").get<int>());
  return out;
}

void append_raw(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << bytes;
}

}  // namespace

TEST_CASE("a new ledger is empty and is created on the first append", "[graph]") {
  TempDir dir;
  fs::path path = dir.path() / "targets" / "t" / "experiments.jsonl";
  Ledger ledger = open_ledger(path);
  CHECK(fs::is_directory(path.parent_path()));
  CHECK_FALSE(fs::exists(path));

  auto last = ledger.last();
  REQUIRE(last);
  CHECK_FALSE(last->has_value());
  auto generation = ledger.generation();
  REQUIRE(generation);
  CHECK(generation->empty());

  append(ledger, record(0, "baseline"));
  auto text = anneal::read_file(path);
  REQUIRE(text);
  CHECK_THAT(*text, Catch::StartsWith("{\"seq\":1,\"chain\":\""));
  CHECK(std::count(text->begin(), text->end(), '\n') == 1);
  auto read = ledger.last();
  REQUIRE(read);
  REQUIRE(read->has_value());
  CHECK(**read == record(0, "baseline"));  // seq and chain are the ledger's, not the record's
}

TEST_CASE("ledger reads the last record, recent records and the current generation", "[graph]") {
  TempDir dir;
  fs::path path = dir.path() / "experiments.jsonl";
  Ledger ledger = open_ledger(path);
  append(ledger, record(0, "baseline"));
  append(ledger, record(1));
  append(ledger, record(2, "discarded"));

  auto last = ledger.last();
  REQUIRE(last);
  REQUIRE(last->has_value());
  CHECK(**last == record(2, "discarded"));

  auto recent = ledger.recent(2);
  REQUIRE(recent);
  CHECK(ids(*recent) == std::vector<int>{1, 2});
  auto generation = ledger.generation();
  REQUIRE(generation);
  CHECK(ids(*generation) == std::vector<int>{0, 1, 2});
  CHECK((*generation)[1] == record(1));

  SECTION("recent stops at the start of the generation") {
    auto many = ledger.recent(100);
    REQUIRE(many);
    CHECK(ids(*many) == std::vector<int>{0, 1, 2});
  }

  SECTION("a new id-0 record starts a new generation") {
    append(ledger, record(0, "baseline"));
    append(ledger, record(1, "rejected"));
    auto current = ledger.generation();
    REQUIRE(current);
    REQUIRE(current->size() == 2);
    CHECK(ids(*current) == std::vector<int>{0, 1});
    CHECK((*current)[1].at("outcome") == "rejected");
    auto recent5 = ledger.recent(5);
    REQUIRE(recent5);
    CHECK(ids(*recent5) == std::vector<int>{0, 1});
    auto newest = ledger.last();
    REQUIRE(newest);
    CHECK((**newest).at("outcome") == "rejected");
    auto all = ledger.generations();
    REQUIRE(all);
    REQUIRE(all->size() == 2);
    CHECK(ids(all->front()) == std::vector<int>{0, 1, 2});
    CHECK(all->back() == *current);
  }

  SECTION("a reopened ledger reads the same records") {
    Ledger again = open_ledger(path);
    auto records = again.generation();
    REQUIRE(records);
    CHECK(*records == *generation);
  }
}

TEST_CASE("opening a ledger cuts off a torn last line and keeps everything before it", "[graph]") {
  TempDir dir;
  fs::path path = dir.path() / "experiments.jsonl";
  {
    Ledger ledger = open_ledger(path);
    append(ledger, record(0, "baseline"));
    append(ledger, record(1));
  }
  auto intact = anneal::read_file(path);
  REQUIRE(intact);

  SECTION("a line without its newline") {
    append_raw(path, R"({"v":1,"id":2,"outc)");
  }
  SECTION("a complete object whose newline never reached the disk") {
    append_raw(path, record(2).dump());
  }
  SECTION("a newline-terminated line that is not JSON") {
    append_raw(path, "{\"v\":1,\"id\":2,\x01garbage\n");
  }
  SECTION("a newline-terminated JSON value that is not an object") {
    append_raw(path, "[2]\n");
  }
  SECTION("an empty last line") {
    append_raw(path, "\n");
  }

  Ledger ledger = open_ledger(path);
  auto repaired = anneal::read_file(path);
  REQUIRE(repaired);
  CHECK(*repaired == *intact);
  auto records = ledger.generation();
  REQUIRE(records);
  CHECK(ids(*records) == std::vector<int>{0, 1});

  // The next append starts on a fresh line, not glued to the torn one.
  append(ledger, record(2));
  auto after = ledger.generation();
  REQUIRE(after);
  CHECK(ids(*after) == std::vector<int>{0, 1, 2});
  CHECK(after->back() == record(2));
}

TEST_CASE("a damaged record in the middle of the ledger is reported with its line and skipped", "[graph]") {
  TempDir dir;
  fs::path path = dir.path() / "experiments.jsonl";
  Ledger ledger = open_ledger(path);
  append(ledger, record(0, "baseline"));
  append_raw(path, "{not json}\n");
  append(ledger, record(1));

  auto last = ledger.last();
  REQUIRE(last);
  CHECK((**last).at("id") == 1);
  auto generation = ledger.generation();
  REQUIRE(generation);
  CHECK(ids(*generation) == std::vector<int>{0, 1});
  auto warnings = ledger.warnings();
  REQUIRE(warnings);
  REQUIRE(warnings->size() == 1);
  CHECK_THAT(warnings->front(), Catch::StartsWith(path.string() + ":2: warning: "));
}

TEST_CASE("a format-1 ledger reads as before, and the first record appended starts the chain", "[graph]") {
  TempDir dir;
  fs::path path = dir.path() / "experiments.jsonl";
  append_raw(path, record(0, "baseline").dump() + "\n" + record(1).dump() + "\n");
  Ledger ledger = open_ledger(path);
  auto old = ledger.generation();
  REQUIRE(old);
  CHECK(ids(*old) == std::vector<int>{0, 1});

  append(ledger, record(2));
  append(ledger, record(3));
  auto text = anneal::read_file(path);
  REQUIRE(text);
  CHECK_THAT(*text, Catch::Contains("\n{\"seq\":1,\"chain\":") && Catch::Contains("\n{\"seq\":2,\"chain\":"));
  Ledger reopened = open_ledger(path);
  auto records = reopened.generation();
  REQUIRE(records);
  CHECK(ids(*records) == std::vector<int>{0, 1, 2, 3});
  auto warnings = reopened.warnings();
  REQUIRE(warnings);
  CHECK(warnings->empty());

  SECTION("once the chain has started, a line without one is not believed") {
    append_raw(path, record(4).dump() + "\n");
    Ledger again = open_ledger(path);
    auto last = again.last();
    REQUIRE(last);
    CHECK((**last).at("id") == 3);
    auto forged = again.warnings();
    REQUIRE(forged);
    REQUIRE(forged->size() == 1);
    CHECK_THAT(forged->front(), Catch::StartsWith(path.string() + ":5: warning: it has no seq and chain"));
  }
}

namespace {

/// A ledger of records 0..count-1 written by anneal, and its lines.
std::vector<std::string> chained_ledger(const fs::path& path, int count) {
  {
    Ledger ledger = open_ledger(path);
    for (int id = 0; id < count; ++id)
      append(ledger, record(id, id == 0 ? "baseline" : "kept"));
  }
  auto text = anneal::read_file(path);
  REQUIRE(text);
  std::vector<std::string> lines;
  for (size_t pos = 0, nl; (nl = text->find('\n', pos)) != std::string::npos; pos = nl + 1)
    lines.push_back(text->substr(pos, nl - pos + 1));
  return lines;
}

void rewrite(const fs::path& path, const std::vector<std::string>& lines) {
  std::string bytes;
  for (const auto& line : lines)
    bytes += line;
  REQUIRE(anneal::write_file_atomic(path, bytes));
}

/// The line numbers the warnings name.
std::vector<int> warned_lines(const Ledger& ledger) {
  auto warnings = ledger.warnings();
  REQUIRE(warnings);
  std::vector<int> out;
  std::string prefix = ledger.path().string() + ":";
  for (const auto& w : *warnings) {
    REQUIRE(w.starts_with(prefix));
    out.push_back(std::stoi(w.substr(prefix.size())));
    CHECK_THAT(w, Catch::Contains(": warning: ") && Catch::EndsWith("not believed"));
  }
  return out;
}

}  // namespace

TEST_CASE("a forged, edited, deleted or duplicated line is reported with its line number and not believed",
          "[graph]") {
  TempDir dir;
  fs::path path = dir.path() / "experiments.jsonl";
  auto lines = chained_ledger(path, 5);  // lines 1..5: records 0..4
  std::vector<int> believed;
  std::vector<int> warned;
  std::string problem;

  SECTION("a forged record appended at the end, as a format-1 line") {
    lines.push_back(record(5, "kept").dump() + "\n");
    believed = {0, 1, 2, 3, 4};
    warned = {6};
    problem = "anneal did not write it";
  }
  SECTION("a forged record with a seq and a made-up chain, in the middle") {
    std::string forged = lines[2];
    forged.replace(forged.find("\"score\":42.0"), 12, "\"score\":99.0");
    lines.insert(lines.begin() + 3, forged);
    believed = {0, 1, 2, 3, 4};
    warned = {4};
    problem = "repeats";
  }
  SECTION("an edited record") {
    lines[2].replace(lines[2].find("\"score\":42.0"), 12, "\"score\":99.0");
    believed = {0, 1, 3, 4};  // the records after it still follow its chain
    warned = {3};
    problem = "edited or forged";
  }
  SECTION("a deleted record in the middle") {
    lines.erase(lines.begin() + 2);
    believed = {0, 1, 4};  // the record after the gap cannot be checked; the rest can
    warned = {3};
    problem = "1 record before this line is missing";
  }
  SECTION("a duplicated record, next to itself") {
    lines.insert(lines.begin() + 2, lines[2]);
    believed = {0, 1, 2, 3, 4};
    warned = {4};
    problem = "a duplicated or replayed line";
  }
  SECTION("an older stretch of records replayed at the end") {
    lines.push_back(lines[1]);
    lines.push_back(lines[2]);
    believed = {0, 1, 2, 3, 4};
    warned = {6, 7};
    problem = "a duplicated or replayed line";
  }
  rewrite(path, lines);

  Ledger ledger = open_ledger(path);
  auto records = ledger.generation();
  REQUIRE(records);
  CHECK(ids(*records) == believed);
  CHECK(warned_lines(ledger) == warned);
  auto warnings = ledger.warnings();
  REQUIRE(warnings);
  CHECK_THAT(warnings->front(), Catch::Contains(problem));
  auto last = ledger.last();
  REQUIRE(last);
  CHECK((**last).at("id") == believed.back());

  // The next record follows the last believed one, so everything after the bad lines is read.
  append(ledger, record(9));
  Ledger reopened = open_ledger(path);
  auto after = reopened.generation();
  REQUIRE(after);
  believed.push_back(9);
  CHECK(ids(*after) == believed);
  CHECK(warned_lines(reopened) == warned);
}

TEST_CASE("a line forged while a ledger is open is caught by it, and the records after it are read",
          "[graph]") {
  TempDir dir;
  fs::path path = dir.path() / "experiments.jsonl";
  Ledger ledger = open_ledger(path);
  append(ledger, record(0, "baseline"));
  append(ledger, record(1));
  REQUIRE(ledger.last());
  append_raw(path, "{\"seq\":3,\"chain\":\"00000000000000000000000000000000\",\"id\":7}\n");
  auto last = ledger.last();
  REQUIRE(last);
  CHECK((**last).at("id") == 1);
  CHECK(warned_lines(ledger) == std::vector<int>{3});
  append(ledger, record(2));
  auto records = ledger.generation();
  REQUIRE(records);
  CHECK(ids(*records) == std::vector<int>{0, 1, 2});
  CHECK(warned_lines(open_ledger(path)) == std::vector<int>{3});
}

TEST_CASE("a chained line carries the record's fields after seq and chain", "[graph]") {
  ChainLink first;
  std::string line = chained_line({{"id", 0}, {"seq", 77}, {"chain", "x"}}, ChainLink{}, &first);
  CHECK(first.seq == 1);
  CHECK(line == "{\"seq\":1,\"chain\":\"" + first.chain + "\",\"id\":0}\n");
  CHECK(json::parse(line) == json({{"seq", 1}, {"chain", first.chain}, {"id", 0}}));
  ChainLink second;
  std::string empty = chained_line(json::object(), first, &second);
  CHECK(empty == "{\"seq\":2,\"chain\":\"" + second.chain + "\"}\n");
  CHECK(second.chain != first.chain);

  ChainVerifier verifier;
  CHECK(verifier.next(std::string_view(line).substr(0, line.size() - 1), 1).believed);
  CHECK(verifier.next(std::string_view(empty).substr(0, empty.size() - 1), 2).believed);
  CHECK(verifier.last_believed().chain == second.chain);
}

TEST_CASE("records with newlines, quotes and long strings round-trip", "[graph]") {
  TempDir dir;
  fs::path path = dir.path() / "experiments.jsonl";
  Ledger ledger = open_ledger(path);
  json tricky = record(1);
  tricky["hypothesis"] = "first line\nsecond line\r\n\t\"quoted\" \\ back\\slash\n";
  tricky["detail"] = "gate typecheck: exit status 1\nerror: x\n";
  // Longer than the reader's 64 KiB chunk, so one record spans several chunks.
  std::string long_text;
  for (int i = 0; long_text.size() < 200'000; ++i)
    long_text += "line " + std::to_string(i) + "\n";
  json huge = record(2);
  huge["hypothesis"] = long_text;

  append(ledger, record(0, "baseline"));
  append(ledger, tricky);
  append(ledger, huge);
  append(ledger, record(3));

  auto text = anneal::read_file(path);
  REQUIRE(text);
  CHECK(std::count(text->begin(), text->end(), '\n') == 4);

  Ledger reopened = open_ledger(path);
  auto records = reopened.generation();
  REQUIRE(records);
  REQUIRE(records->size() == 4);
  CHECK((*records)[1] == tricky);
  CHECK((*records)[2] == huge);
  auto recent = reopened.recent(2);
  REQUIRE(recent);
  REQUIRE(recent->size() == 2);
  CHECK(recent->front() == huge);
}

TEST_CASE("a 20,000-record ledger answers last() from its tail", "[graph]") {
  TempDir dir;
  fs::path path = dir.path() / "experiments.jsonl";
  constexpr int k_records = 20'000;
  {
    // Written in one go (append syncs each record, which is slow for this many).
    std::string bytes;
    for (int id = 0; id < k_records; ++id) {
      json r = record(id, id == 0 ? "baseline" : "discarded");
      r["hypothesis"] = "try " + std::to_string(id) + std::string(static_cast<size_t>(id % 97), 'x');
      bytes += r.dump() + "\n";
    }
    REQUIRE(anneal::write_file_atomic(path, bytes));
  }
  Ledger ledger = open_ledger(path);

  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) {
    auto last = ledger.last();
    REQUIRE(last);
    REQUIRE(last->has_value());
    REQUIRE((**last).at("id") == k_records - 1);
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  // Reading and parsing the whole file 200 times would take far longer than this.
  CHECK(elapsed < std::chrono::seconds(5));

  auto recent = ledger.recent(3);
  REQUIRE(recent);
  CHECK(ids(*recent) == std::vector<int>{k_records - 3, k_records - 2, k_records - 1});

  // Lines that straddle the reader's chunks come back whole and in order.
  auto all = ledger.generation();
  REQUIRE(all);
  REQUIRE(all->size() == static_cast<size_t>(k_records));
  bool in_order = true;
  for (int id = 0; id < k_records; ++id)
    in_order = in_order && (*all)[static_cast<size_t>(id)].at("id") == id &&
               (*all)[static_cast<size_t>(id)].at("hypothesis").get<std::string>().size() ==
                   4 + std::to_string(id).size() + static_cast<size_t>(id % 97);
  CHECK(in_order);
}

TEST_CASE("deferred records are in the file at once and synced later", "[graph]") {
  TempDir dir;
  fs::path path = dir.path() / "experiments.jsonl";
  Ledger ledger = open_ledger(path);
  append(ledger, record(0, "baseline"));
  REQUIRE(ledger.append(record(1), Ledger::Sync::Deferred));
  REQUIRE(ledger.append(record(2), Ledger::Sync::Deferred));

  SECTION("another reader sees them before any sync (a killed build keeps them)") {
    Ledger reader = open_ledger(path);
    auto records = reader.generation();
    REQUIRE(records);
    CHECK(ids(*records) == std::vector<int>{0, 1, 2});
  }
  SECTION("a synced append and sync() keep the order") {
    append(ledger, record(3));
    REQUIRE(ledger.append(record(4), Ledger::Sync::Deferred));
    REQUIRE(ledger.sync());
    REQUIRE(ledger.sync());  // nothing left to sync
    auto records = open_ledger(path).generation();
    REQUIRE(records);
    CHECK(ids(*records) == std::vector<int>{0, 1, 2, 3, 4});
  }
  SECTION("a ledger moved away keeps appending to the same file") {
    Ledger moved = std::move(ledger);
    append(moved, record(3));
    auto records = open_ledger(path).generation();
    REQUIRE(records);
    CHECK(ids(*records) == std::vector<int>{0, 1, 2, 3});
  }
}
