// `anneal history TARGET`: a table with a column per tune parameter and metric, one line per
// experiment whatever its hypothesis holds; --csv keeps every value, --all the earlier runs.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness.h"

using namespace anneal::system_test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

/// The words of a table line (cells hold no spaces in the columns these tests read).
std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string word; in >> word;)
    out.push_back(word);
  return out;
}

/// Where `header`'s column ends in the header line (numbers are right-aligned to it).
size_t column_end(const std::string& header_line, const std::string& header) {
  size_t at = header_line.find("  " + header + " ");
  if (at == std::string::npos)
    at = header_line.find("  " + header);
  REQUIRE(at != std::string::npos);
  return at + 2 + header.size();
}

/// Runs a Python program (Debian's python3) with `input` on stdin, in the scratch folder.
Outcome python(const TempRepo& repo, const std::string& program, const std::string& input) {
  std::ofstream(repo.scratch() / "in.txt", std::ios::binary) << input;
  std::ofstream(repo.scratch() / "program.py", std::ios::binary) << program;
  return sh("/usr/bin/python3 program.py < in.txt", repo.scratch());
}

}  // namespace

TEST_CASE("history is a table: a column per tune parameter, the score, cost and duration", "[system][history]") {
  TempRepo repo;
  REQUIRE(repo.run("cp -r " ANNEAL_SOURCE_DIR "/examples/tune-service/. .").status == 0);
  repo.commit("example");
  REQUIRE(repo.anneal("build --experiments 4").status == 0);
  nlohmann::json history = repo.history("latency");
  REQUIRE(history.size() == 5);

  Outcome table = repo.anneal("history latency");
  INFO(table.out << table.err);
  REQUIRE(table.status == 0);
  std::vector<std::string> lines = lines_of(table.out);
  REQUIRE(lines.size() == 6);
  CHECK(words(lines[0]) == std::vector<std::string>{"exp", "outcome", "threads", "batch_size", "cache_ratio",
                                                    "score", "cost", "$", "duration", "s", "commit", "hypothesis"});
  size_t score_end = column_end(lines[0], "score");
  for (size_t i = 0; i < history.size(); ++i) {
    const nlohmann::json& e = history[i];
    std::vector<std::string> cells = words(lines[i + 1]);
    REQUIRE(cells.size() >= 9);
    CHECK(cells[0] == fmt::format("#{}", i));
    CHECK(cells[1] == e["outcome"].get<std::string>());
    // Each parameter as the candidate's commit has it.
    auto value = [&](const std::string& name) {
      Outcome v = repo.run(fmt::format("git show {}:service.ini | sed -n 's/^{} = //p'", e["commit"].get<std::string>(), name));
      double number = std::stod(v.out);
      return fmt::format("{:g}", number);
    };
    CHECK(cells[2] == value("threads"));
    CHECK(cells[3] == value("batch_size"));
    CHECK(cells[4] == value("cache_ratio"));
    CHECK(cells[5] == fmt::format("{:g}", e["score"].get<double>()));
    CHECK(cells[6] == "0");
    CHECK(cells[8] == e["commit"].get<std::string>().substr(0, 10));
    // Numbers line up under their header.
    CHECK(lines[i + 1].find(cells[5] + "  ") + cells[5].size() == score_end);
  }
  CHECK(lines[1].find("baseline") != std::string::npos);
  CHECK(words(lines[1]).size() == 9);  // the baseline has no hypothesis
  CHECK(words(lines[1])[2] == "2");     // threads = 2 in the example's service.ini

  SECTION("--csv has every value whole") {
    Outcome csv = repo.anneal("history latency --csv");
    REQUIRE(csv.status == 0);
    Outcome parsed = python(repo, R"(import csv, json, sys
rows = list(csv.DictReader(sys.stdin))
print(json.dumps(rows))
)", csv.out);
    INFO(csv.out << parsed.err);
    REQUIRE(parsed.status == 0);
    nlohmann::json rows = nlohmann::json::parse(parsed.out);
    REQUIRE(rows.size() == history.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      CHECK(rows[i]["id"] == std::to_string(i));
      CHECK(std::stod(rows[i]["score"].get<std::string>()) == history[i]["score"].get<double>());
      CHECK(rows[i]["commit"] == history[i]["commit"]);
      CHECK(rows[i]["hypothesis"] == history[i]["hypothesis"]);
      CHECK(std::stod(rows[i]["duration_s"].get<std::string>()) == history[i]["duration_s"].get<double>());
    }
    CHECK(rows[0]["threads"] == "2");
    CHECK(rows[0]["batch_size"] == "8");
  }
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("history keeps one line per experiment for multi-line and hostile hypotheses", "[system][history]") {
  TempRepo repo;
  repo.write("score.txt", "100\n");
  // Experiment 1: three lines and a terminal escape; 2: one very long line.
  repo.write("agent.sh", R"(#!/bin/sh
echo $((100 - ANNEAL_EXPERIMENT)) > score.txt
if [ "$ANNEAL_EXPERIMENT" = 1 ]; then
  printf 'first line\nsecond, "quoted" line\n\033[31mred\n' > "$ANNEAL_HYPOTHESIS_FILE"
else
  printf 'long %.0s' $(seq 60) > "$ANNEAL_HYPOTHESIS_FILE"
fi
)", true);
  repo.write("Annealfile", R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {kind: command, run: "./agent.sh"}
    stages:
      - {name: size, run: "wc -c < score.txt"}
      - {name: score, run: "cat score.txt"}
    objective: {metric: score, direction: minimize}
    budget: {experiments: 2}
)");
  repo.commit("project");
  REQUIRE(repo.anneal("build").status == 0);
  Outcome table = repo.anneal("history t");
  INFO(table.out << table.err);
  REQUIRE(table.status == 0);
  std::vector<std::string> lines = lines_of(table.out);
  REQUIRE(lines.size() == 4);
  CHECK(table.out.find('\033') == std::string::npos);
  // A stage that is not the objective gets its column; the objective is the score.
  CHECK(words(lines[0]) == std::vector<std::string>{"exp", "outcome", "size", "score", "cost", "$", "duration", "s",
                                                    "commit", "hypothesis"});
  CHECK(words(lines[1])[2] == "4");
  CHECK(words(lines[1])[3] == "100");
  CHECK(words(lines[2])[3] == "99");
  CHECK(lines[2].ends_with("first line second, \"quoted\" line [31mred"));
  // Cut to 72 columns with an ellipsis when not on a terminal.
  std::string hypothesis = lines[3].substr(lines[0].find("hypothesis"));
  CHECK(hypothesis.starts_with("long long long"));
  CHECK(hypothesis.ends_with("…"));
  CHECK(hypothesis.size() == 71 + std::string("…").size());

  Outcome csv = repo.anneal("history t --csv");
  REQUIRE(csv.status == 0);
  Outcome parsed = python(repo, "import csv, sys\nrows = list(csv.DictReader(sys.stdin))\nprint(repr(rows[1]['hypothesis']))\n",
                          csv.out);
  INFO(csv.out << parsed.err);
  CHECK(parsed.out == "'first line\\nsecond, \"quoted\" line\\n\\x1b[31mred'\n");
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("history --all lists the earlier runs too, each numbered", "[system][history]") {
  TempRepo repo;
  repo.write("score.txt", "100\n");
  repo.write("Annealfile", R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {kind: command, run: "echo $((100 - ANNEAL_EXPERIMENT)) > score.txt"}
    stages: [{name: score, run: "cat score.txt"}]
    objective: {metric: score, direction: minimize}
    budget: {experiments: 2}
)");
  repo.commit("project");
  REQUIRE(repo.anneal("build").status == 0);
  // A new configuration starts a new run.
  repo.write("Annealfile", repo.read("Annealfile").replace(repo.read("Annealfile").find("ANNEAL_EXPERIMENT"), 17,
                                                           "ANNEAL_EXPERIMENT * 2"));
  repo.commit("faster");
  REQUIRE(repo.anneal("build").status == 0);

  Outcome current = repo.anneal("history t");
  INFO(current.out << current.err);
  std::vector<std::string> lines = lines_of(current.out);
  REQUIRE(lines.size() == 4);
  CHECK(words(lines[3])[2] == "96");

  Outcome all = repo.anneal("history t --all");
  INFO(all.out << all.err);
  REQUIRE(all.status == 0);
  lines = lines_of(all.out);
  REQUIRE(lines.size() == 7);
  CHECK(words(lines[0])[0] == "run");
  std::vector<std::string> runs, scores;
  for (size_t i = 1; i < lines.size(); ++i) {
    runs.push_back(words(lines[i])[0]);
    scores.push_back(words(lines[i])[3]);
  }
  CHECK(runs == std::vector<std::string>{"1", "1", "1", "2", "2", "2"});
  CHECK(scores == std::vector<std::string>{"100", "99", "98", "100", "98", "96"});

  Outcome json = repo.anneal("history t --all --json");
  REQUIRE(json.status == 0);
  nlohmann::json entries = nlohmann::json::parse(json.out);
  REQUIRE(entries.size() == 6);
  CHECK(entries[0]["run"] == 1);
  CHECK(entries[5]["run"] == 2);
  CHECK(entries[5]["score"] == 96);
  CHECK_FALSE(repo.history("t")[0].contains("run"));
  CHECK(repo.anneal("history t --csv --json").status == 2);
  CHECK(repo.fsck_problems().empty());
}
