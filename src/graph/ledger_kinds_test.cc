// Ledger format 4: records of other kinds ("record": "deploy") share the experiments' file and
// chain, and readers of experiments never see them.
#include "graph/ledger.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "temp_dir.h"

using namespace anneal::graph;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json experiment(int id) { return {{"v", 3}, {"id", id}, {"outcome", id == 0 ? "baseline" : "kept"}}; }

json deploy(int experiment, const std::string& step) {
  return {{"v", 4}, {"record", "deploy"}, {"experiment", experiment}, {"tier", "prod"}, {"step", step}};
}

std::vector<int> ids(const std::vector<json>& records) {
  std::vector<int> out;
  for (const auto& r : records)
    out.push_back(r.value("id", -1));
  return out;
}

}  // namespace

TEST_CASE("records of another kind are not experiments, and are read by kind", "[graph][ledger]") {
  anneal::testing::TempDir dir;
  fs::path path = dir.path() / "experiments.jsonl";
  auto ledger = Ledger::open(path);
  REQUIRE(ledger);
  REQUIRE(ledger->append(experiment(0)));
  REQUIRE(ledger->append(experiment(1)));
  REQUIRE(ledger->append(deploy(1, "waiting")));
  REQUIRE(ledger->append(experiment(2)));
  REQUIRE(ledger->append(deploy(1, "approved")));

  auto last = ledger->last();
  REQUIRE(last);
  REQUIRE(*last);
  CHECK((**last)["id"] == 2);  // not the deployment step after it
  CHECK(ids(*ledger->generation()) == std::vector<int>{0, 1, 2});
  CHECK(ids(*ledger->recent(2)) == std::vector<int>{1, 2});
  REQUIRE(ledger->generations()->size() == 1);

  auto steps = ledger->records_of("deploy");
  REQUIRE(steps);
  REQUIRE(steps->size() == 2);
  CHECK((*steps)[0]["step"] == "waiting");
  CHECK((*steps)[1]["step"] == "approved");
  CHECK_FALSE((*steps)[1].contains("chain"));
  CHECK(ledger->records_of("other")->empty());

  SECTION("one chain: a forged step is not believed, and what follows it still is") {
    {
      std::ofstream out(path, std::ios::app);
      out << deploy(2, "approved").dump() << "\n";  // written without anneal: no chain
    }
    auto reopened = Ledger::open(path);
    REQUIRE(reopened);
    REQUIRE(reopened->append(deploy(2, "waiting")));
    steps = reopened->records_of("deploy");
    REQUIRE(steps->size() == 3);
    CHECK((*steps)[2]["experiment"] == 2);
    CHECK((*steps)[2]["step"] == "waiting");
    CHECK(reopened->warnings()->size() == 1);
  }
  SECTION("deployment steps span generations") {
    REQUIRE(ledger->append(experiment(0)));  // a new run
    CHECK(ids(*ledger->generation()) == std::vector<int>{0});
    CHECK(ledger->records_of("deploy")->size() == 2);
  }
}

TEST_CASE("a ledger of an older format, without record kinds, reads as before", "[graph][ledger]") {
  anneal::testing::TempDir dir;
  fs::path path = dir.path() / "experiments.jsonl";
  {
    std::ofstream out(path);
    for (int id = 0; id < 3; ++id)
      out << json{{"v", 1}, {"id", id}, {"outcome", "kept"}}.dump() << "\n";
  }
  auto ledger = Ledger::open(path);
  REQUIRE(ledger);
  CHECK(ids(*ledger->generation()) == std::vector<int>{0, 1, 2});
  CHECK(ledger->records_of("deploy")->empty());
  REQUIRE(ledger->append(deploy(2, "waiting")));
  CHECK(ids(*ledger->generation()) == std::vector<int>{0, 1, 2});
  CHECK(ledger->records_of("deploy")->size() == 1);
}
