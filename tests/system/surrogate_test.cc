// search.surrogate end to end: with several drafts per experiment, every draft is mutated,
// a Gaussian process ranks them, and only the most promising is evaluated unless it fails.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"

using namespace anneal::system_test;
using nlohmann::json;

namespace {

/// f = (x - 1)^2 + (y - 2)^2; every evaluation appends a line to EVALS.
const char* const k_stage = R"(#!/bin/sh
echo run >> "EVALS"
awk '$2 == "=" { v[$1] = $3 } END { printf "%.10g\n", (v["x"] - 1) ^ 2 + (v["y"] - 2) ^ 2 }' cfg.ini
)";

const char* const k_annealfile = R"(annealfile: 1
targets:
  t:
    artifact: [cfg.ini]
    agent:
      kind: tune
      params:
        - {file: cfg.ini, pattern: "^x = ([-+.0-9eE]+)$", min: -5, max: 5}
        - {file: cfg.ini, pattern: "^y = ([-+.0-9eE]+)$", min: -5, max: 5}
    drafts: 3
    stages: [{name: f, run: ./f.sh, timeout: 10s}]
    objective: {metric: f, direction: minimize}
    search: {strategy: greedy, seed: 5, surrogate: true}
    budget: {experiments: 12}
)";

std::vector<json> ledger(const TempRepo& repo) {
  std::vector<json> records;
  std::istringstream lines(repo.read(".anneal/targets/t/experiments.jsonl"));
  for (std::string line; std::getline(lines, line);)
    records.push_back(json::parse(line));
  return records;
}

}  // namespace

TEST_CASE("surrogate: drafts are evaluated in the order of their expected improvement, the rest only on failure",
          "[system][strategies]") {
  TempRepo repo;
  std::string evals = (repo.scratch() / "evals").string();
  std::string stage = k_stage;
  stage.replace(stage.find("EVALS"), 5, evals);
  repo.write("f.sh", stage, true);
  repo.write("cfg.ini", "x = 3.3\ny = -2.7\n");
  repo.write("Annealfile", k_annealfile);
  repo.commit("landscape");

  Outcome b = repo.anneal("build");
  INFO(b.out << b.err);
  REQUIRE(b.status == 0);
  auto records = ledger(repo);
  REQUIRE(records.size() == 13);
  CHECK(records[0].contains("features"));  // the model learns from the baseline too

  size_t evaluated_total = 0;
  for (size_t i = 1; i < records.size(); ++i) {
    const json& r = records[i];
    INFO(r.dump());
    REQUIRE(r.contains("surrogate"));
    auto order = r["surrogate"]["order"].get<std::vector<int>>();
    auto evaluated = r["surrogate"]["evaluated"].get<std::vector<int>>();
    const json& ei = r["surrogate"]["expected_improvement"];
    REQUIRE(order.size() == 3);  // the tuner's mutations always succeed
    REQUIRE_FALSE(evaluated.empty());
    // Evaluated in rank order, and ranked by expected improvement, best first.
    CHECK(std::equal(evaluated.begin(), evaluated.end(), order.begin()));
    for (size_t k = 1; k < order.size(); ++k)
      CHECK(ei[std::to_string(order[k - 1])].get<double>() >= ei[std::to_string(order[k])].get<double>());
    // A draft that passed its stage stops the evaluation: here every candidate scores.
    CHECK(evaluated.size() == 1);
    CHECK(r.value("draft", -1) == evaluated.front());
    evaluated_total += evaluated.size();
    auto features = r["features"].get<std::vector<double>>();
    REQUIRE(features.size() == 2);
    for (double f : features) {
      CHECK(f >= 0);
      CHECK(f <= 1);
    }
  }
  // The stage ran for the baseline and the evaluated drafts only, not for all 36 drafts.
  CHECK(static_cast<size_t>(count_lines(repo.scratch() / "evals")) == 1 + evaluated_total);
  CHECK(repo.fsck_problems().empty());

  // The same again: nothing is evaluated twice and the ledger is unchanged.
  Outcome again = repo.anneal("build --experiments 12");
  INFO(again.out << again.err);
  CHECK(again.status == 0);
  CHECK(static_cast<size_t>(count_lines(repo.scratch() / "evals")) == 1 + evaluated_total);
}

TEST_CASE("surrogate: a build resumed half way ranks the drafts as an uninterrupted one", "[system][strategies]") {
  auto landscape = [](const TempRepo& repo) {
    std::string stage = k_stage;
    stage.replace(stage.find("EVALS"), 5, (repo.scratch() / "evals").string());
    repo.write("f.sh", stage, true);
    repo.write("cfg.ini", "x = 3.3\ny = -2.7\n");
    repo.write("Annealfile", k_annealfile);
    repo.commit("landscape");
  };
  TempRepo whole, halves;
  landscape(whole);
  landscape(halves);
  REQUIRE(whole.anneal("build").status == 0);
  REQUIRE(halves.anneal("build --experiments 6").status == 0);
  REQUIRE(halves.anneal("build").status == 0);
  auto a = ledger(whole), b = ledger(halves);
  REQUIRE(a.size() == b.size());
  for (size_t i = 1; i < a.size(); ++i) {
    INFO("experiment " << i);
    CHECK(a[i]["surrogate"] == b[i]["surrogate"]);
    CHECK(a[i]["outcome"] == b[i]["outcome"]);
    CHECK(a[i]["score"] == b[i]["score"]);
  }
}
