// What the ledger's chain (format 2) costs to read: the first read of a Ledger checks every
// line's seq and chain, later reads only what was appended since. Compared with a format-1
// ledger of the same records, which is read from its tail without any check.
//
// Usage: bench_ledger_read [records...]   (default 1000 10000; records of about 2 KB, like a
// build's with a hypothesis, a decision and the search state; prints milliseconds, median of 5)
//        bench_ledger_read extend LEDGER LAST_ID
//          appends copies of LEDGER's last record, with only "id" and "key" changed, up to id
//          LAST_ID, chained as anneal chains them (noop_vs_git_status.sh grows ledgers so)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/ledger.h"
#include "graph/ledger_chain.h"
#include "util/file.h"

namespace fs = std::filesystem;
using anneal::graph::ChainLink;
using anneal::graph::Ledger;

namespace {

nlohmann::json record(int id) {
  nlohmann::json population = nlohmann::json::array();
  for (int i = 0; i < 8; ++i)
    population.push_back({{"commit", std::string(40, 'a' + static_cast<char>(i))}, {"score", 40.0 + i}});
  return {{"v", 2},
          {"id", id},
          {"key", std::string(32, 'f')},
          {"config", std::string(32, 'c')},
          {"baseline", std::string(40, 'b')},
          {"outcome", id % 3 == 0 ? "kept" : "discarded"},
          {"score", 1000.0 / (id + 1)},
          {"scores", {{"bench", 1000.0 / (id + 1)}}},
          {"commit", std::string(40, '0' + static_cast<char>(id % 10))},
          {"parent", std::string(40, 'p')},
          {"hypothesis", "Replace the inner loop's bounds check with an assertion, so the compiler can "
                         "vectorise it; experiment " +
                             std::to_string(id) + std::string(400, '.')},
          {"detail", ""},
          {"decision", {{"accept", id % 3 == 0}, {"reason", "improved 2.1% over the incumbent"}, {"probability", 1.0}}},
          {"cost_usd", 0.0123},
          {"duration_s", 41.5},
          {"time", "2026-12-03T12:00:00Z"},
          {"state", {{"best", std::string(40, 'e')}, {"best_score", 12.5}, {"population", population}}}};
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

template <class F>
double median_ms(F&& f) {
  std::vector<double> ms;
  for (int i = 0; i < 5; ++i) {
    auto start = std::chrono::steady_clock::now();
    f();
    ms.push_back(ms_since(start));
  }
  std::sort(ms.begin(), ms.end());
  return ms[2];
}

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "bench_ledger_read: %s failed\n", what);
    std::exit(1);
  }
}

}  // namespace

int extend(const fs::path& path, int last_id) {
  auto ledger = Ledger::open(path);
  require(ledger.has_value(), "open");
  auto last = ledger->last();
  require(last && last->has_value(), "reading the last record");
  nlohmann::json r = **last;
  for (int id = r.value("id", 0) + 1; id <= last_id; ++id) {
    r["id"] = id;
    char key[33];
    std::snprintf(key, sizeof key, "5e1f0000000000000000%012d", id);
    r["key"] = key;
    require(ledger->append(r, Ledger::Sync::Deferred).has_value(), "append");
  }
  require(ledger->sync().has_value(), "sync");
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "extend")
    return extend(argv[2], std::atoi(argv[3]));
  std::vector<int> sizes;
  for (int i = 1; i < argc; ++i)
    sizes.push_back(std::atoi(argv[i]));
  if (sizes.empty())
    sizes = {1000, 10000};
  fs::path dir = fs::temp_directory_path() / ("bench_ledger_read." + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::printf("%8s %8s  %22s %22s %18s %14s\n", "records", "MB", "format 1: first last()",
              "format 2: first last()", "later last()", "generation()");
  for (int n : sizes) {
    std::string v1, v2;
    ChainLink link;
    for (int id = 0; id < n; ++id) {
      nlohmann::json r = record(id);
      v1 += r.dump() + "\n";
      v2 += anneal::graph::chained_line(r, link, &link);
    }
    fs::path p1 = dir / "v1.jsonl", p2 = dir / "v2.jsonl";
    require(anneal::write_file_atomic(p1, v1).has_value(), "writing a ledger");
    require(anneal::write_file_atomic(p2, v2).has_value(), "writing a ledger");
    auto first_last = [](const fs::path& p) {
      auto ledger = Ledger::open(p);
      require(ledger && ledger->last() && ledger->warnings() && ledger->warnings()->empty(), "read");
    };
    double first1 = median_ms([&] { first_last(p1); });
    double first2 = median_ms([&] { first_last(p2); });
    auto ledger = Ledger::open(p2);
    require(ledger && ledger->last(), "read");
    double later = median_ms([&] { require(ledger->last().has_value(), "last"); });
    double generation = median_ms([&] { require(ledger->generation().has_value(), "generation"); });
    std::printf("%8d %8.1f  %19.2f ms %19.2f ms %15.3f ms %11.1f ms\n", n, static_cast<double>(v2.size()) / 1e6,
                first1, first2, later, generation);
  }
  fs::remove_all(dir);
  return 0;
}
