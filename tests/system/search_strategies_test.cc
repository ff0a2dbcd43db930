// The search strategies end to end (issue 6): real `anneal build` runs with the tune agent on
// an awk landscape. What the ledger records (strategy, parent, selection, objectives,
// behaviour) is checked against an independent model of each strategy's structure: the
// population's islands, the Pareto front, the tree of improvements, the MAP-Elites archive.
// Also: a seed gives the same ledger in a fresh repository, a build killed with -9 resumes to
// the ledger an uninterrupted build writes, and Annealfile mistakes name file:line:col.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

using namespace anneal::system_test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* const k_ledger = ".anneal/targets/t/experiments.jsonl";

/// Prints the value named by $1 at the point (x, y) in cfg.ini: f = (x-1)^2 + (y-2)^2 by
/// default, f1 = x^2 + y^2 and f2 = (x-2)^2 + (y-2)^2 (a two-objective trade-off), or a
/// coordinate. Sleeps a little when SCRATCH/slow exists (so a kill lands mid-run).
const char* const k_landscape = R"(#!/bin/sh
[ -f SCRATCH/slow ] && sleep 0.15
awk -v which="$1" '$2 == "=" { v[$1] = $3 } END {
  x = v["x"]; y = v["y"]
  f = (x - 1) ^ 2 + (y - 2) ^ 2
  if (which == "f1") f = x * x + y * y
  if (which == "f2") f = (x - 2) ^ 2 + (y - 2) ^ 2
  if (which in v) f = v[which]
  printf "%.10g\n", f
}' cfg.ini
)";

/// A target `t` tuned by the tune agent over x and y in [-5, 5].
const char* const k_annealfile = R"(annealfile: 1
agents:
  tuner:
    kind: tune
    params:
      - {file: cfg.ini, pattern: "^x = ([-+.0-9eE]+)$", min: -5, max: 5}
      - {file: cfg.ini, pattern: "^y = ([-+.0-9eE]+)$", min: -5, max: 5}
targets:
  t:
    artifact: [cfg.ini]
    agent: tuner
    stages:
STAGES
    objective: OBJECTIVE
    search: SEARCH
    budget: {experiments: EXPERIMENTS, max_consecutive_failures: 1000}
)";

const char* const k_one_stage = "      - {name: f, run: ./f.sh, timeout: 10s}";
const char* const k_one_objective = "{metric: f, direction: minimize}";

std::string replaced(std::string text, const std::string& what, const std::string& with) {
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
  return text;
}

void set_up(const TempRepo& repo, const std::string& search, int experiments, const std::string& stages = k_one_stage,
            const std::string& objective = k_one_objective) {
  repo.write("cfg.ini", "# a point\nx = 3.3\ny = -2.7\n");
  repo.write("f.sh", with_scratch(k_landscape, repo), true);
  std::string text = replaced(k_annealfile, "STAGES", stages);
  text = replaced(text, "OBJECTIVE", objective);
  text = replaced(text, "SEARCH", search);
  text = replaced(text, "EXPERIMENTS", std::to_string(experiments));
  repo.write("Annealfile", text);
  repo.commit("landscape");
}

std::vector<json> ledger(const TempRepo& repo) {
  std::vector<json> records;
  std::istringstream lines(repo.read(k_ledger));
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    REQUIRE(json::accept(line));
    records.push_back(json::parse(line));
  }
  return records;
}

/// Builds to the budget; the ledger has the baseline and `experiments` records.
std::vector<json> build(const TempRepo& repo, int experiments) {
  Outcome b = repo.anneal("build");
  INFO(b.out << b.err);
  REQUIRE(b.status == 0);
  auto records = ledger(repo);
  REQUIRE(records.size() == static_cast<size_t>(experiments + 1));
  return records;
}

std::string text(const json& record, const char* field) {
  auto it = record.find(field);
  return it != record.end() && it->is_string() ? it->get<std::string>() : "";
}

bool scored(const json& r) {
  std::string outcome = text(r, "outcome");
  return (outcome == "baseline" || outcome == "kept" || outcome == "discarded") && r.contains("score") &&
         r.at("score").is_number() && !text(r, "commit").empty();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// Every record after the baseline names its strategy, parent and why that parent; the
/// parent is the baseline or an earlier candidate's commit.
void check_common(const std::vector<json>& records, const std::set<std::string>& strategies) {
  REQUIRE(records.at(0).value("outcome", "") == "baseline");
  std::set<std::string> earlier = {text(records[0], "commit")};
  for (size_t i = 1; i < records.size(); ++i) {
    const json& r = records[i];
    INFO(r.dump());
    CHECK(r.value("id", -1) == static_cast<int>(i));
    CHECK(strategies.contains(text(r, "strategy")));
    CHECK(earlier.contains(text(r, "parent")));
    CHECK_FALSE(text(r, "selection").empty());
    if (scored(r))
      earlier.insert(text(r, "commit"));
  }
}

/// A ledger without anything repository-specific: commits become the ids of the records that
/// made them, so runs in two repositories compare.
std::vector<std::string> canonical(const std::vector<json>& records) {
  std::map<std::string, int> id_of;
  for (const json& r : records)
    if (!text(r, "commit").empty())
      id_of.emplace(text(r, "commit"), r.value("id", -1));
  auto as_id = [&](const std::string& commit) {
    if (commit.empty())
      return std::string("-");
    auto it = id_of.find(commit);
    return it == id_of.end() ? "?" + commit : "#" + std::to_string(it->second);
  };
  static const std::regex k_hex("[0-9a-f]{10,40}");
  std::vector<std::string> out;
  for (const json& r : records)
    out.push_back(fmt::format("{} {} score={} parent={} second={} strategy={} selection={} hypothesis={} objectives={}",
                              r.value("id", -1), text(r, "outcome"), r.value("score", json()).dump(),
                              as_id(text(r, "parent")), as_id(text(r, "second_parent")), text(r, "strategy"),
                              std::regex_replace(text(r, "selection"), k_hex, "C"),
                              std::regex_replace(text(r, "hypothesis"), k_hex, "C"),
                              r.value("objectives", json()).dump()));
  return out;
}

// ---- independent models of the strategies' structures ---------------------------------------

struct Entry {
  int id = 0;
  std::string commit;
  double fitness = 0;  ///< larger is better
};

bool fitter(const Entry& a, const Entry& b) { return a.fitness > b.fitness || (a.fitness == b.fitness && a.id < b.id); }

/// Islands of at most `capacity`: room, or beat the least fit (ties stay out); no commit twice.
struct Islands {
  size_t capacity;
  std::vector<std::vector<Entry>> islands;

  bool offer(size_t i, const Entry& e) {
    auto& members = islands[i];
    for (const auto& m : members)
      if (m.commit == e.commit)
        return false;
    if (members.size() < capacity) {
      members.push_back(e);
      return true;
    }
    auto worst = std::min_element(members.begin(), members.end(), [](const Entry& a, const Entry& b) { return fitter(b, a); });
    if (!fitter(e, *worst))
      return false;
    *worst = e;
    return true;
  }
  void migrate() {
    std::vector<Entry> best;
    for (const auto& members : islands)
      best.push_back(*std::min_element(members.begin(), members.end(), fitter));
    for (size_t i = 0; i < islands.size(); ++i)
      offer((i + 1) % islands.size(), best[i]);
  }
  bool holds(size_t i, const std::string& commit) const {
    return std::any_of(islands[i].begin(), islands[i].end(), [&](const Entry& m) { return m.commit == commit; });
  }
};

/// a is no worse than b in each objective (all minimised) and better in one.
bool dominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool strictly = false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i])
      return false;
    strictly = strictly || a[i] < b[i];
  }
  return strictly;
}

std::vector<double> numbers(const json& values) {
  std::vector<double> out;
  for (const auto& v : values)
    out.push_back(v.get<double>());
  return out;
}

/// Builds the Annealfile and returns the error output of `anneal build`.
Outcome broken_build(const std::string& search, const std::string& objective) {
  TempRepo repo;
  set_up(repo, search, 3, k_one_stage, objective);
  Outcome b = repo.anneal("build");
  CHECK_FALSE(repo.exists(k_ledger));
  return b;
}

// ---- a build killed with -9 ------------------------------------------------------------------

pid_t start_build(const TempRepo& repo, const fs::path& log) {
  std::string bin = anneal_binary(), dir = repo.path().string(), out = log.string();
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::chdir(dir.c_str()) != 0 || ::dup2(fd, 1) < 0 || ::dup2(fd, 2) < 0)
      ::_exit(127);
    ::execl(bin.c_str(), bin.c_str(), "build", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  REQUIRE(pid > 0);
  return pid;
}

size_t ledger_lines(const TempRepo& repo) {
  return repo.exists(k_ledger) ? static_cast<size_t>(count_lines(repo.path() / k_ledger)) : 0;
}

}  // namespace

TEST_CASE("population: parents by tournament on the experiment's island, crossover names its partner",
          "[system][strategies]") {
  TempRepo repo;
  const int experiments = 16;
  set_up(repo,
         "{strategy: population, seed: 7, population: {size: 3, tournament: 2, islands: 2, migrate_every: 5, "
         "crossover: 0.6}}",
         experiments);
  auto records = build(repo, experiments);
  check_common(records, {"population"});

  // Replay the islands the way the spec describes them and hold every record against them.
  Islands model{3, {{}, {}}};
  std::map<std::string, int> id_of;
  Entry base{0, text(records[0], "commit"), -records[0].at("score").get<double>()};
  model.offer(0, base);
  model.offer(1, base);
  id_of[base.commit] = 0;
  int kept = 0, discarded = 0, crossed = 0, named = 0;
  for (size_t i = 1; i < records.size(); ++i) {
    const json& r = records[i];
    INFO(r.dump());
    size_t island = i % 2;
    std::string parent = text(r, "parent"), second = text(r, "second_parent");
    CHECK(model.holds(island, parent));
    CHECK(contains(text(r, "selection"), fmt::format("on island {}: #{} ", island, id_of[parent])));
    if (!second.empty()) {
      ++crossed;
      CHECK(model.holds(island, second));
      CHECK(second != parent);
      CHECK(contains(text(r, "selection"), fmt::format("crossed with #{} ", id_of[second])));
    }
    std::string hypothesis = text(r, "hypothesis");
    if (contains(hypothesis, "crossover with")) {
      ++named;
      REQUIRE_FALSE(second.empty());
      CHECK(hypothesis.starts_with("crossover with " + second.substr(0, 10) + ": "));
    }
    if (scored(r)) {
      id_of[text(r, "commit")] = static_cast<int>(i);
      bool entered = model.offer(island, {static_cast<int>(i), text(r, "commit"), -r.at("score").get<double>()});
      CHECK((text(r, "outcome") == "kept") == entered);
      CHECK(contains(r.at("decision").value("reason", ""), "population: "));
      (entered ? kept : discarded) += 1;
    } else {
      CHECK(text(r, "outcome") != "kept");
    }
    if (i % 5 == 0)
      model.migrate();
  }
  CHECK(kept > 0);
  CHECK(discarded > 0);
  CHECK(crossed > 0);
  CHECK(named > 0);
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("pareto: the kept candidates are the non-dominated ones, parents come from the front",
          "[system][strategies]") {
  TempRepo repo;
  const int experiments = 16;
  set_up(repo, "{strategy: pareto, seed: 2}", experiments,
         "      - {name: f1, run: ./f.sh f1, timeout: 10s}\n      - {name: f2, run: ./f.sh f2, timeout: 10s}",
         "\n      - {metric: f1, direction: minimize}\n      - {metric: f2, direction: minimize}");
  auto records = build(repo, experiments);
  check_common(records, {"pareto"});

  struct Evaluated {
    std::string commit;
    std::vector<double> point;
  };
  std::vector<Evaluated> evaluated;
  struct Front {
    int id;
    std::vector<double> point;
  };
  std::vector<Front> front;
  int kept = 0, discarded = 0;
  for (const json& r : records) {
    INFO(r.dump());
    bool is_baseline = text(r, "outcome") == "baseline";
    if (!is_baseline) {
      // The parent is on the front: no candidate evaluated so far dominates it.
      auto parent = std::find_if(evaluated.begin(), evaluated.end(),
                                 [&](const Evaluated& e) { return e.commit == text(r, "parent"); });
      REQUIRE(parent != evaluated.end());
      for (const auto& e : evaluated)
        CHECK_FALSE(dominates(e.point, parent->point));
      CHECK(contains(text(r, "selection"), "front member #"));
    }
    if (!scored(r)) {
      CHECK(text(r, "outcome") != "kept");
      continue;
    }
    REQUIRE(r.contains("objectives"));
    auto point = numbers(r.at("objectives"));
    REQUIRE(point.size() == 2);
    CHECK(r.at("score").get<double>() == point[0]);  // the score is the first objective
    bool beaten = std::any_of(evaluated.begin(), evaluated.end(),
                              [&](const Evaluated& e) { return e.point == point || dominates(e.point, point); });
    if (!is_baseline) {
      CHECK((text(r, "outcome") == "kept") == !beaten);
      (beaten ? discarded : kept) += 1;
    }
    evaluated.push_back({text(r, "commit"), point});
    if (!beaten) {
      // The front: what entered and was not dominated since.
      std::erase_if(front, [&](const Front& f) { return dominates(point, f.point); });
      front.push_back({r.value("id", -1), point});
    }
  }
  CHECK(kept > 1);
  CHECK(discarded > 0);

  // `anneal status` shows the front: each member's id and objective values.
  Outcome status = repo.anneal("status --json");
  INFO(status.out << status.err);
  REQUIRE(status.status == 0);
  json shown = json::parse(status.out).at(0).at("search").at("front");
  REQUIRE(shown.size() == front.size());
  for (size_t i = 0; i < front.size(); ++i) {
    CHECK(shown[i].at("id") == front[i].id);
    CHECK(numbers(shown[i].at("values")) == front[i].point);
  }
  Outcome text_status = repo.anneal("status");
  CHECK(contains(text_status.out, fmt::format("Pareto front ({} non-dominated) over f1 (min), f2 (min)", front.size())));
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("tree: parents are nodes that improved on their own parents, kept = beat the parent by min_improvement",
          "[system][strategies]") {
  TempRepo repo;
  const int experiments = 16;
  // min_improvement 2: kept = more than 2 below the parent, and only those grow the tree.
  set_up(repo, "{strategy: tree, seed: 4, tree: {exploration: 1.0, prune_after: 3}}", experiments, k_one_stage,
         "{metric: f, direction: minimize, min_improvement: 2}");
  auto records = build(repo, experiments);
  check_common(records, {"tree"});

  std::map<std::string, double> node_score = {{text(records[0], "commit"), records[0].at("score").get<double>()}};
  std::set<std::string> parents;
  int kept = 0, discarded = 0, small_gains = 0;
  for (size_t i = 1; i < records.size(); ++i) {
    const json& r = records[i];
    INFO(r.dump());
    std::string parent = text(r, "parent");
    REQUIRE(node_score.contains(parent));
    parents.insert(parent);
    CHECK(text(r, "selection").starts_with(parent.substr(0, 10) + ": "));
    if (!scored(r)) {
      CHECK(text(r, "outcome") != "kept");
      continue;
    }
    double score = r.at("score").get<double>();
    bool improved = score < node_score.at(parent) - 2;  // minimised
    if (!improved && score < node_score.at(parent))
      ++small_gains;  // better than its parent, not by enough: discarded, and no node
    CHECK((text(r, "outcome") == "kept") == improved);
    if (improved)
      node_score[text(r, "commit")] = score;
    (improved ? kept : discarded) += 1;
  }
  CHECK(kept > 0);
  CHECK(discarded > 0);
  CHECK(small_gains > 0);
  CHECK(parents.size() > 1);  // the tree grew and was branched from below the root
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("elites: kept = entered its behaviour cell, parents are the cells' elites", "[system][strategies]") {
  TempRepo repo;
  const int experiments = 16;
  set_up(repo,
         "{strategy: elites, seed: 5, archive: {descriptors: [{metric: x, min: -5, max: 5, bins: 4}, "
         "{metric: y, min: -5, max: 5, bins: 4}]}}",
         experiments,
         "      - {name: f, run: ./f.sh, timeout: 10s}\n      - {name: x, run: ./f.sh x, timeout: 10s}\n"
         "      - {name: y, run: ./f.sh y, timeout: 10s}");
  auto records = build(repo, experiments);
  check_common(records, {"elites"});

  auto bin = [](double v) { return std::clamp(static_cast<int>(std::floor((v + 5) / 10 * 4)), 0, 3); };
  std::map<std::string, Entry> cells;
  int kept = 0, discarded = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const json& r = records[i];
    INFO(r.dump());
    if (i > 0) {
      bool elite = std::any_of(cells.begin(), cells.end(),
                               [&](const auto& cell) { return cell.second.commit == text(r, "parent"); });
      CHECK(elite);
      CHECK(contains(text(r, "selection"), "elite #"));
    }
    if (!scored(r)) {
      CHECK(text(r, "outcome") != "kept");
      continue;
    }
    REQUIRE(r.contains("behaviour"));
    auto behaviour = numbers(r.at("behaviour"));
    REQUIRE(behaviour.size() == 2);
    std::string key = fmt::format("{},{}", bin(behaviour[0]), bin(behaviour[1]));
    Entry e{static_cast<int>(i), text(r, "commit"), -r.at("score").get<double>()};
    auto held = cells.find(key);
    bool enters = held == cells.end() || fitter(e, held->second);
    if (i > 0) {
      CHECK((text(r, "outcome") == "kept") == enters);
      (enters ? kept : discarded) += 1;
    }
    if (enters)
      cells[key] = e;
  }
  CHECK(kept > 0);
  CHECK(discarded > 0);
  CHECK(cells.size() > 2);
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("auto: the same seed gives the same ledger, and a build killed with -9 resumes to it",
          "[system][strategies]") {
  const int experiments = 18;
  const std::string search =
      "{strategy: auto, seed: 11, population: {size: 3, tournament: 2, islands: 2, migrate_every: 4, "
      "crossover: 0.5}, tree: {prune_after: 3}}";
  TempRepo first;
  set_up(first, search, experiments);
  auto records = build(first, experiments);
  check_common(records, {"greedy", "population", "tree"});
  std::set<std::string> arms;
  for (size_t i = 1; i < records.size(); ++i) {
    INFO(records[i].dump());
    CHECK(text(records[i], "selection").starts_with("auto chose " + text(records[i], "strategy") + " (Beta("));
    arms.insert(text(records[i], "strategy"));
  }
  CHECK(arms.size() > 1);
  auto expected = canonical(records);

  {  // a second fresh repository
    TempRepo second;
    set_up(second, search, experiments);
    auto again = canonical(build(second, experiments));
    CHECK(again == expected);
    CHECK(second.fsck_problems().empty());
  }
  {  // a build to half the budget, then one to the end
    TempRepo halves;
    set_up(halves, search, experiments);
    Outcome half = halves.anneal("build --experiments 9");
    INFO(half.out << half.err);
    REQUIRE(half.status == 0);
    REQUIRE(ledger(halves).size() == 10);
    CHECK(canonical(build(halves, experiments)) == expected);
  }
  {  // killed with -9 mid-run, then resumed
    TempRepo killed;
    set_up(killed, search, experiments);
    fs::path log = killed.scratch() / "first.out";
    { std::ofstream(killed.scratch() / "slow") << "1\n"; }
    pid_t pid = start_build(killed, log);
    for (int tries = 0; tries < 6000 && ledger_lines(killed) < 6; ++tries)  // up to a minute on a loaded machine
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // into the next experiment's nodes
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    size_t before = ledger_lines(killed);
    CHECK(before >= 6);
    REQUIRE(before < static_cast<size_t>(experiments + 1));  // the kill landed mid-run

    std::vector<std::string> lines_before;
    {
      std::istringstream in(killed.read(k_ledger));
      for (std::string line; std::getline(in, line);)
        lines_before.push_back(line);
    }

    fs::remove(killed.scratch() / "slow");
    auto after = build(killed, experiments);
    CHECK(canonical(after) == expected);
    // What the killed build recorded stays as it was (a torn last line may be dropped).
    for (size_t i = 0; i + 1 < lines_before.size(); ++i)
      CHECK(json::parse(lines_before[i]) == after[i]);
    CHECK(killed.fsck_problems().empty());
    CHECK(killed.status().empty());
  }
}

TEST_CASE("strategy mistakes in the Annealfile name file:line:col", "[system][strategies]") {
  SECTION("pareto with one objective") {
    Outcome b = broken_build("\n      strategy: pareto\n      seed: 1", k_one_objective);
    INFO(b.out << b.err);
    CHECK(b.status == 1);
    CHECK(b.err.starts_with("Annealfile:16:17: error: "));
    CHECK(contains(b.err, "strategy pareto trades objectives off"));
  }
  SECTION("an archive descriptor with an unknown metric") {
    Outcome b = broken_build(
        "\n      strategy: elites\n      archive:\n        descriptors:\n          - {metric: nosuch, min: 0, max: 1}",
        k_one_objective);
    INFO(b.out << b.err);
    CHECK(b.status == 1);
    CHECK(b.err.starts_with("Annealfile:19:22: error: "));
    CHECK(contains(b.err, "unknown metric 'nosuch'"));
  }
}
