// The ledger is written only by anneal (issue 12): a line that anneal did not write — forged,
// edited, duplicated, or after a deleted one — is reported with its ledger line number and is
// not believed, neither by `history` nor by the build resuming from it.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness.h"

using namespace anneal::system_test;

namespace {

const char* const k_ledger = ".anneal/targets/t/experiments.jsonl";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A target whose experiment N scores N (minimized), built with `experiments` experiments.
void build_target(const TempRepo& repo, int experiments) {
  repo.write("score.txt", "150\n");
  repo.write("Annealfile", fmt::format(R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {{kind: command, run: "echo $ANNEAL_EXPERIMENT > score.txt"}}
    stages: [{{name: score, run: "cat score.txt"}}]
    objective: {{metric: score, direction: minimize}}
    budget: {{experiments: {}}}
)",
                                       experiments));
  repo.commit("project");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  REQUIRE(!contains(build.err, "warning"));
}

std::vector<int> history_ids(const TempRepo& repo) {
  std::vector<int> ids;
  for (const auto& e : repo.history("t"))
    ids.push_back(e.at("id").get<int>());
  return ids;
}

/// "…/experiments.jsonl:LINE: warning: " as the ledger's warnings start.
std::string warning_at(int line) { return fmt::format("{}:{}: warning: ", k_ledger, line); }

/// The line numbers of the ledger warnings in `err`.
std::set<int> warned_lines(const std::string& err) {
  std::set<int> lines;
  std::istringstream in(err);
  std::string marker = std::string(k_ledger) + ":";
  for (std::string line; std::getline(in, line);)
    if (auto at = line.find(marker); at != std::string::npos && contains(line, ": warning: "))
      lines.insert(std::stoi(line.substr(at + marker.size())));
  return lines;
}

}  // namespace

TEST_CASE("a forged ledger line is not in history, and the build names its line and goes on",
          "[system][hostile][ledger]") {
  TempRepo repo;
  build_target(repo, 3);  // lines 1..4: experiments 0..3

  // What an agent could append to claim a record score: a line in the old format, or a copy of
  // the last line with a better score.
  SECTION("a format-1 line") {
    REQUIRE(repo.run(fmt::format(R"(tail -1 {0} | sed -E 's/^\{{"seq":[0-9]+,"chain":"[0-9a-f]+",/{{/; )"
                                 R"(s/"id":3/"id":4/; s/"score":3(\.0)?/"score":-1/' >> {0})",
                                 k_ledger))
                .status == 0);
  }
  SECTION("a copy of the last line with a better score") {
    REQUIRE(repo.run(fmt::format(R"(tail -1 {0} | sed -E 's/"score":3(\.0)?/"score":-1/' >> {0})", k_ledger))
                .status == 0);
  }
  REQUIRE(contains(repo.run(fmt::format("tail -1 {}", k_ledger)).out, "\"score\":-1"));

  Outcome history = repo.anneal("history t --json");
  INFO(history.out << history.err);
  REQUIRE(history.status == 0);
  CHECK(contains("\n" + history.err, "\n" + warning_at(5)));  // relative to where anneal runs
  CHECK(contains(history.err, "not believed"));
  CHECK(history_ids(repo) == std::vector<int>{0, 1, 2, 3});

  Outcome build = repo.anneal("build --experiments 5");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  CHECK(warned_lines(build.err) == std::set<int>{5});
  CHECK(contains(build.out, "#4 "));
  CHECK(contains(build.out, "#5 "));
  nlohmann::json entries = repo.history("t");
  REQUIRE(entries.size() == 6);
  for (size_t i = 0; i < entries.size(); ++i) {
    CHECK(entries[i]["id"] == i);
    CHECK(entries[i]["score"] != -1);
  }
  // The records appended after the forged line are believed; the forged one stays reported.
  Outcome again = repo.anneal("history t");
  CHECK(warned_lines(again.err) == std::set<int>{5});
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a deleted or duplicated ledger line is reported with its line number", "[system][hostile][ledger]") {
  TempRepo repo;
  build_target(repo, 4);  // lines 1..5: experiments 0..4
  std::vector<int> believed;
  int line = 0;
  std::string problem;
  SECTION("a line deleted in the middle") {
    REQUIRE(repo.run(fmt::format("sed -i 3d {}", k_ledger)).status == 0);
    believed = {0, 1, 4};  // the line after the gap cannot be checked; the ones after it can
    line = 3;
    problem = "missing";
  }
  SECTION("a line duplicated") {
    REQUIRE(repo.run(fmt::format("sed -i 3p {}", k_ledger)).status == 0);
    believed = {0, 1, 2, 3, 4};
    line = 4;
    problem = "duplicated";
  }
  Outcome history = repo.anneal("history t --json");
  INFO(history.out << history.err);
  REQUIRE(history.status == 0);
  CHECK(warned_lines(history.err) == std::set<int>{line});
  CHECK(contains(history.err, problem));
  CHECK(history_ids(repo) == believed);
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  CHECK(build.status == 0);
  CHECK(warned_lines(build.err) == std::set<int>{line});
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a format-1 ledger still reads, and the build goes on with a chained one", "[system][ledger]") {
  TempRepo repo;
  build_target(repo, 2);
  // What anneal wrote before format 2: the same records without seq and chain.
  REQUIRE(repo.run(fmt::format(R"(sed -i -E 's/^\{{"seq":[0-9]+,"chain":"[0-9a-f]+",/{{/; s/"v":[0-9]+/"v":1/' {})",
                               k_ledger))
              .status == 0);
  REQUIRE(!contains(repo.read(k_ledger), "\"chain\""));

  Outcome history = repo.anneal("history t --json");
  INFO(history.out << history.err);
  REQUIRE(history.status == 0);
  CHECK(!contains(history.err, "warning"));
  CHECK(history_ids(repo) == std::vector<int>{0, 1, 2});

  Outcome build = repo.anneal("build --experiments 4");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  CHECK(!contains(build.err, "warning"));
  CHECK(contains(build.out, "#3 "));
  CHECK(history_ids(repo) == std::vector<int>{0, 1, 2, 3, 4});
  // The chain starts at the first record appended.
  Outcome tail = repo.run(fmt::format("tail -2 {} | cut -c1-9", k_ledger));
  CHECK(tail.out == "{\"seq\":1,\n{\"seq\":2,\n");
  Outcome reread = repo.anneal("history t");
  CHECK(!contains(reread.err, "warning"));
  CHECK(repo.fsck_problems().empty());
}
