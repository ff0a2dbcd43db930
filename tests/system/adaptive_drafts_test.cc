// The seed's "Planned" items: `drafts: auto` (the draft count follows the drafts' survival
// rate, graph/draft_count.h) and population immigration (a restart from the baseline enters
// an island through a replacement tournament, search/population.h).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness.h"

using namespace anneal::system_test;
using nlohmann::json;

namespace {

/// A tune target over x in [0, 100] scored by x itself; GATE is its one gate.
std::string drafts_annealfile(const std::string& drafts, const std::string& gate, int experiments) {
  return fmt::format(R"(annealfile: 1
targets:
  t:
    artifact: [cfg.ini]
    agent: {{kind: tune, params: [{{file: cfg.ini, pattern: "^x = ([-+.0-9eE]+)$", min: 0, max: 100}}]}}
    drafts: {}
    verify:
      - {{name: gate, run: "{}"}}
    stages:
      - {{name: x, run: "sed 's/x = //' cfg.ini"}}
    objective: {{metric: x, direction: maximize}}
    search: {{strategy: greedy, seed: 3}}
    budget: {{experiments: {}, max_consecutive_failures: 100}}
)",
                     drafts, gate, experiments);
}

size_t drafts_of(const json& record) { return record.value("mutations", json::array()).size(); }

}  // namespace

TEST_CASE("drafts: auto lowers the count while drafts survive, and -n, show and a resumed build agree",
          "[system][drafts]") {
  TempRepo repo;
  repo.write("cfg.ini", "x = 10\n");
  repo.write("Annealfile", drafts_annealfile("auto", "true", 4));
  repo.commit("project");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  auto records = repo.ledger("t");
  REQUIRE(records.size() == 5);
  // An independent model of the rule: each count from the drafts recorded before it.
  int survived = 0, drafted = 0;
  for (size_t i = 1; i < records.size(); ++i) {
    INFO("#" << i << " " << records[i].dump());
    double s = (survived + 1.0) / (drafted + 2.0);
    int wanted = std::clamp(static_cast<int>(std::ceil(std::log(0.1) / std::log(1 - s) - 1e-9)), 1, 4);
    CHECK(records[i]["draft_count"] == json{{"count", wanted}, {"survived", survived}, {"drafted", drafted}});
    CHECK(drafts_of(records[i]) == static_cast<size_t>(wanted));
    const json drafts = records[i].value("drafts", json::array());
    for (const json& d : drafts.empty() ? json::array({{{"outcome", records[i]["outcome"]}}}) : drafts) {
      ++drafted;
      std::string outcome = d["outcome"].get<std::string>();
      survived += outcome == "survived" || outcome == "kept" || outcome == "discarded";
    }
  }
  // The first experiment has four drafts; they survive (a duplicate point does not), so the
  // count falls.
  CHECK(drafts_of(records[1]) == 4);
  CHECK(survived >= drafted - 2);
  CHECK(drafts_of(records[4]) <= 2);

  Outcome show = repo.anneal("show " + records[2]["key"].get<std::string>());
  INFO(show.out << show.err);
  CHECK(show.out.find(fmt::format("drafts: {} (auto: {} of the last 4 drafts survived)", drafts_of(records[2]),
                                  records[2]["draft_count"]["survived"].get<int>())) != std::string::npos);

  // A second build resumes from the recorded window.
  Outcome more = repo.anneal("build --more 1");
  INFO(more.out << more.err);
  REQUIRE(more.status == 0);
  records = repo.ledger("t");
  REQUIRE(records.size() == 6);
  CHECK(records[5]["draft_count"]["drafted"] == drafted);
  CHECK(records[5]["draft_count"]["survived"] == survived);
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("drafts: auto raises the count to its maximum while drafts fail their gate", "[system][drafts]") {
  TempRepo repo;
  repo.write("cfg.ini", "x = 10\n");
  repo.write("Annealfile", drafts_annealfile("{min: 2, max: 6}", "grep -q '^x = 10$' cfg.ini", 3));
  repo.commit("project");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  auto records = repo.ledger("t");
  REQUIRE(records.size() == 4);
  CHECK(drafts_of(records[1]) == 4);  // s = 1/2 wants 4, within [2, 6]
  CHECK(drafts_of(records[2]) == 6);  // none of 4 survived: s = 1/6 wants 13
  CHECK(drafts_of(records[3]) == 6);
  for (size_t i = 1; i < records.size(); ++i)
    CHECK(records[i]["outcome"] == "rejected");  // by its gate
  CHECK(records[3]["draft_count"] == json{{"count", 6}, {"survived", 0}, {"drafted", 10}});
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("drafts bounds that cannot hold are an error at the line and column", "[system][drafts]") {
  TempRepo repo;
  repo.write("cfg.ini", "x = 10\n");
  SECTION("min above max") {
    repo.write("Annealfile", drafts_annealfile("{min: 5, max: 2}", "true", 2));
    repo.commit("project");
    Outcome build = repo.anneal("build");
    CHECK(build.status != 0);
    CHECK(build.err.find("Annealfile:6:") != std::string::npos);
    CHECK(build.err.find("drafts.min (5) is more than drafts.max (2)") != std::string::npos);
  }
  SECTION("a word that is not auto") {
    repo.write("Annealfile", drafts_annealfile("often", "true", 2));
    repo.commit("project");
    Outcome build = repo.anneal("build");
    CHECK(build.status != 0);
    CHECK(build.err.find("Annealfile:6:") != std::string::npos);
    CHECK(build.err.find("drafts") != std::string::npos);
  }
  CHECK(repo.fsck_problems().empty());
}

namespace {

/// A population target whose drafts restart from the baseline half the time.
std::string immigration_annealfile(int experiments) {
  return fmt::format(R"(annealfile: 1
targets:
  t:
    artifact: [cfg.ini]
    agent: {{kind: tune, params: [{{file: cfg.ini, pattern: "^x = ([-+.0-9eE]+)$", min: 0, max: 100}}]}}
    drafts: 2
    restart_probability: 0.5
    stages:
      - {{name: x, run: "sed 's/x = //' cfg.ini"}}
    objective: {{metric: x, direction: maximize}}
    search: {{strategy: population, seed: 11, population: {{size: 3, tournament: 2}}}}
    budget: {{experiments: {}, max_consecutive_failures: 100}}
)",
                     experiments);
}

/// What a ledger says, without its commits: outcome, score, parent, selection, reason.
std::vector<std::string> story(const std::vector<json>& records) {
  static const std::regex k_hex("[0-9a-f]{10,40}");
  std::vector<std::string> out;
  for (const json& r : records)
    out.push_back(fmt::format("{} {} {} immigrant={} {} | {}", r.value("id", -1), r.value("outcome", ""),
                              r.value("score", json()).dump(), r.value("immigrant", false),
                              std::regex_replace(r.value("selection", ""), k_hex, "C"),
                              r["decision"].value("reason", "")));
  return out;
}

}  // namespace

TEST_CASE("population: restarts enter as immigrants through a replacement tournament, replayed alike on resume",
          "[system][drafts]") {
  TempRepo repo;
  repo.write("cfg.ini", "x = 10\n");
  repo.write("Annealfile", immigration_annealfile(12));
  repo.commit("project");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  auto records = repo.ledger("t");
  REQUIRE(records.size() == 13);
  const std::string baseline = records[0]["commit"].get<std::string>();
  int immigrants = 0, entered = 0;
  for (const json& r : records) {
    if (!r.value("immigrant", false))
      continue;
    ++immigrants;
    INFO(r.dump());
    CHECK(r["parent"] == baseline);
    CHECK(r["selection"].get<std::string>().starts_with("immigrant: a restart from the baseline"));
    const std::string reason = r["decision"]["reason"].get<std::string>();
    CHECK(reason.starts_with("population: immigrant "));
    if (r["outcome"] == "kept") {
      ++entered;
      CHECK((reason.find(" replaces #") != std::string::npos || reason.find(" joins island") != std::string::npos));
    }
  }
  INFO(fmt::format("{}", fmt::join(story(records), "\n")));
  CHECK(immigrants >= 2);
  CHECK(entered >= 1);

  // The same in two builds: the second replays the islands from the ledger, immigrants'
  // replacements included, and plans exactly what the single build planned.
  TempRepo split;
  split.write("cfg.ini", "x = 10\n");
  split.write("Annealfile", immigration_annealfile(12));
  split.commit("project");
  Outcome first = split.anneal("build --experiments 6");
  INFO(first.out << first.err);
  REQUIRE(first.status == 0);
  Outcome rest = split.anneal("build");
  INFO(rest.out << rest.err);
  REQUIRE(rest.status == 0);
  CHECK(story(split.ledger("t")) == story(records));
  CHECK(repo.fsck_problems().empty());
  CHECK(split.fsck_problems().empty());
}
