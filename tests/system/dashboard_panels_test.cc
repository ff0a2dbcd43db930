// `anneal dashboard`'s search panels and its experiment view, in headless Chromium: what a
// user sees for a pareto, an elites and a tree target agrees with what `anneal status --json`,
// `history --json` and `show --json` say, and a click on an experiment opens its hypothesis,
// decision, nodes (cache hit or not), coloured diff and a node's log.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "dashboard_process.h"
#include "harness.h"

using namespace anneal::system_test;
using nlohmann::json;

namespace {

/// f.sh FILE WHICH: f1 = x^2 + y^2 and f2 = (x-2)^2 + (y-2)^2 (a trade-off), f = f1, or a
/// coordinate, at the point in FILE.
const char* const k_landscape = R"(#!/bin/sh
awk -v which="$2" '$2 == "=" { v[$1] = $3 } END {
  x = v["x"]; y = v["y"]
  f = x * x + y * y
  if (which == "f2") f = (x - 2) ^ 2 + (y - 2) ^ 2
  if (which in v) f = v[which]
  printf "%.10g\n", f
}' "$1"
)";

/// Three targets over x and y, each in its own file: `front` (pareto), `cells` (elites over
/// x and y) and `branches` (tree).
const char* const k_annealfile = R"(annealfile: 1
agents:
  front_tuner:
    kind: tune
    params:
      - {file: front.ini, pattern: "^x = ([-+.0-9eE]+)$", min: -5, max: 5}
      - {file: front.ini, pattern: "^y = ([-+.0-9eE]+)$", min: -5, max: 5}
  cells_tuner:
    kind: tune
    params:
      - {file: cells.ini, pattern: "^x = ([-+.0-9eE]+)$", min: -5, max: 5}
      - {file: cells.ini, pattern: "^y = ([-+.0-9eE]+)$", min: -5, max: 5}
  branches_tuner:
    kind: tune
    params:
      - {file: branches.ini, pattern: "^x = ([-+.0-9eE]+)$", min: -5, max: 5}
      - {file: branches.ini, pattern: "^y = ([-+.0-9eE]+)$", min: -5, max: 5}
targets:
  front:
    artifact: [front.ini]
    agent: front_tuner
    stages:
      - {name: f1, run: "./f.sh front.ini f1", timeout: 10s}
      - {name: f2, run: "./f.sh front.ini f2", timeout: 10s}
    objective:
      - {metric: f1, direction: minimize}
      - {metric: f2, direction: minimize}
    search: {strategy: pareto, seed: 2}
    budget: {experiments: 10, max_consecutive_failures: 100}
  cells:
    artifact: [cells.ini]
    agent: cells_tuner
    stages:
      - {name: f, run: "./f.sh cells.ini f", timeout: 10s}
      - {name: x, run: "./f.sh cells.ini x", timeout: 10s}
      - {name: y, run: "./f.sh cells.ini y", timeout: 10s}
    objective: {metric: f, direction: minimize}
    search:
      strategy: elites
      seed: 5
      archive: {descriptors: [{metric: x, min: -5, max: 5, bins: 4}, {metric: y, min: -5, max: 5, bins: 4}]}
    budget: {experiments: 10, max_consecutive_failures: 100}
  branches:
    artifact: [branches.ini]
    agent: branches_tuner
    stages:
      - {name: f, run: "./f.sh branches.ini f", timeout: 10s}
    objective: {metric: f, direction: minimize}
    search: {strategy: tree, seed: 3}
    budget: {experiments: 10, max_consecutive_failures: 100}
)";

json cli_json(const TempRepo& repo, const std::string& args) {
  Outcome o = repo.anneal(args);
  INFO(args << ": " << o.err);
  REQUIRE(o.status == 0);
  return json::parse(o.out);
}

json status_of(const json& status, const std::string& name) {
  for (const auto& t : status)
    if (t.value("name", "") == name)
      return t;
  FAIL("no target " << name << " in status --json");
  return {};
}

}  // namespace

TEST_CASE("in headless Chromium the Pareto front, the archive's cells, the candidate tree and one clicked "
          "experiment show what the CLI says",
          "[system][dashboard][browser]") {
  TempRepo repo;
  repo.write("f.sh", k_landscape);
  REQUIRE(repo.run("chmod +x f.sh").status == 0);
  for (const char* file : {"front.ini", "cells.ini", "branches.ini"})
    repo.write(file, "x = 4\ny = -3\n");
  repo.write("Annealfile", k_annealfile);
  repo.commit("three searches");
  Outcome built = repo.anneal("build");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);

  json status = cli_json(repo, "status --json");
  const json front = status_of(status, "front");
  const json cells = status_of(status, "cells");
  const json branches = status_of(status, "branches");
  // Trade-offs and cells enough that a panel showing one entry, or none, is seen to be wrong.
  REQUIRE(front["search"]["front"].size() >= 2);
  REQUIRE(cells["search"]["archive"]["cells"].get<int>() >= 2);

  // The experiment a user clicks: the last kept one of the tree target, which has a diff.
  json history = cli_json(repo, "history branches --json");
  int clicked = 0;
  for (const auto& r : history)
    if (r.value("outcome", "") == "kept")
      clicked = r.value("id", 0);
  REQUIRE(clicked > 0);

  DashboardProcess dashboard(repo);
  std::filesystem::path artifacts = std::filesystem::path(ANNEAL_BUILD_DIR) / "test-artifacts";
  Outcome seen = sh("/usr/bin/python3 " ANNEAL_SOURCE_DIR "/tests/browser/dashboard_panels.py '" + dashboard.base() +
                        "' '" + artifacts.string() + "' front cells branches --click branches:" + std::to_string(clicked),
                    repo.path());
  INFO(seen.out << seen.err << dashboard.output());
  REQUIRE(seen.status == 0);
  json report = json::parse(seen.out);

  SECTION("pareto: the front's table and chart have one entry per member of the front") {
    const json& page = report["targets"]["front"];
    CHECK(page["error"] == "");
    CHECK(page["front_shown"] == true);
    CHECK(page["front_rows"] == front["search"]["front"].size());
    CHECK(page["front_chart_points"] == front["search"]["front"].size());
    CHECK(page["archive_shown"] == false);
  }
  SECTION("elites: every filled cell shows its elite, and only the archive's") {
    const json& page = report["targets"]["cells"];
    CHECK(page["archive_shown"] == true);
    const json& archive = cells["search"]["archive"];
    std::set<int> elites;
    for (const auto& [cell, elite] : archive["grid"]["cells"].items())
      elites.insert(elite["id"].get<int>());
    std::set<int> shown(page["archive_cells"].begin(), page["archive_cells"].end());
    CHECK(shown == elites);
    CHECK(page["archive_cells"].size() == archive["cells"].get<size_t>());
    CHECK(page["archive_text"].get<std::string>().starts_with(std::to_string(archive["cells"].get<int>()) + " cells filled"));
    CHECK(page["front_shown"] == false);
  }
  SECTION("tree: one item per experiment, and the outcome counts are the ledger's") {
    const json& page = report["targets"]["branches"];
    CHECK(page["tree_shown"] == true);
    std::map<std::string, int> counts;
    for (const auto& r : history)
      ++counts[r.value("outcome", "")];
    CHECK(page["outcomes"].get<std::map<std::string, int>>() == counts);
    // Every experiment hangs under the commit it was made from, the baseline at the root.
    CHECK(page["tree_items"] == history.size());
  }
  SECTION("a click on an experiment shows its hypothesis, decision, nodes, diff and a node's log") {
    const json& e = report["clicked"];
    REQUIRE(e.is_object());
    json shown = cli_json(repo, "show " + history[clicked]["key"].get<std::string>() + " --json");
    CHECK(e["title"].get<std::string>().starts_with("branches #" + std::to_string(clicked) + ": kept "));
    CHECK(e["facts"]["hypothesis"] == shown["hypothesis"]);
    REQUIRE(shown["decision"].is_object());
    CHECK(e["facts"]["decision"] == shown["decision"]["reason"]);
    REQUIRE(e["nodes"].size() == shown["nodes"].size());
    for (size_t i = 0; i < e["nodes"].size(); ++i) {
      const json& n = shown["nodes"][i];
      CHECK(e["nodes"][i][1] == n["what"]);
      CHECK(e["nodes"][i][4] == (n["cached"] == true ? "hit" : "ran"));
      CHECK(n["key"].get<std::string>().starts_with(e["nodes"][i][5].get<std::string>()));
    }
    // The tuner changed a number in branches.ini: one line out, one line in, coloured.
    CHECK(e["diff_add"].get<int>() >= 1);
    CHECK(e["diff_del"].get<int>() >= 1);
    CHECK(e["node_log_title"].get<std::string>().starts_with("stage f "));
    REQUIRE(e["node_logs"].size() >= 1);
    CHECK(std::stod(e["node_logs"][0].get<std::string>()) == shown["scores"]["f"].get<double>());
  }
  CHECK(repo.fsck_problems().empty());
}
