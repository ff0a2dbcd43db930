#include "graph/search_memory.h"

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace anneal;
using namespace anneal::graph;
using nlohmann::json;

namespace {

/// A target scored on `score` (minimised unless told otherwise) with `strategy`.
Target target_with(const std::string& strategy, Direction direction = Direction::Minimize) {
  Target t;
  t.name = "t";
  t.objective.metric = "score";
  t.objective.direction = direction;
  t.objectives = {t.objective};
  t.search.strategy = strategy;
  t.search.seed = 1;
  return t;
}

json baseline(double score, std::string commit = "b0") {
  return {{"id", 0}, {"outcome", "baseline"}, {"score", score}, {"commit", std::move(commit)}, {"parent", ""}};
}

json scored(int id, const std::string& outcome, double score, const std::string& parent,
            const std::string& strategy = "") {
  json r = {{"id", id},
            {"outcome", outcome},
            {"score", score},
            {"commit", "c" + std::to_string(id)},
            {"parent", parent}};
  if (!strategy.empty())
    r["strategy"] = strategy;
  return r;
}

json failed(int id, const std::string& outcome, const std::string& parent, const std::string& strategy = "") {
  json r = {{"id", id}, {"outcome", outcome}, {"score", nullptr}, {"commit", nullptr}, {"parent", parent}};
  if (!strategy.empty())
    r["strategy"] = strategy;
  return r;
}

std::vector<std::string> commits_of(const std::vector<search::Member>& members) {
  std::vector<std::string> out;
  for (const auto& m : members)
    out.push_back(m.commit);
  std::sort(out.begin(), out.end());
  return out;
}

const search::TreeNode* node_of(const SearchMemory& m, const std::string& commit) {
  for (const auto& node : m.tree.nodes())
    if (node.commit == commit)
      return &node;
  return nullptr;
}

const search::Arm& arm_of(const SearchMemory& m, const std::string& name) {
  for (const auto& arm : m.bandit.arms)
    if (arm.name == name)
      return arm;
  FAIL("no arm " << name);
  return m.bandit.arms.front();
}

}  // namespace

TEST_CASE("the baseline seeds every island and the tree's root", "[graph][search_memory]") {
  Target t = target_with("population");
  t.search.population.islands = 3;
  t.search.population.size = 4;
  SearchMemory m = SearchMemory::replay(t, {baseline(10)});
  REQUIRE(m.population.islands.size() == 3);
  for (const auto& island : m.population.islands) {
    REQUIRE(island.size() == 1);
    CHECK(island[0].commit == "b0");
    CHECK(island[0].fitness == -10);  // minimised: fitness is the negated score
  }
  REQUIRE(m.tree.nodes().size() == 1);
  CHECK(m.tree.nodes()[0].commit == "b0");
  CHECK(m.tree.nodes()[0].parent.empty());
  CHECK(m.tree.experiments() == 0);
  CHECK(m.tree.select().first == "b0");
  REQUIRE(m.best_fitness);
  CHECK(*m.best_fitness == -10);

  SECTION("a later candidate enters only its own island (id % islands)") {
    m.add(t, scored(1, "kept", 8, "b0"));
    m.add(t, scored(5, "kept", 7, "b0"));
    CHECK(island_of(t, 1) == 1);
    CHECK(island_of(t, 5) == 2);
    CHECK(commits_of(m.population.islands[0]) == std::vector<std::string>{"b0"});
    CHECK(commits_of(m.population.islands[1]) == std::vector<std::string>{"b0", "c1"});
    CHECK(commits_of(m.population.islands[2]) == std::vector<std::string>{"b0", "c5"});
  }
  SECTION("a failed baseline seeds nothing") {
    SearchMemory empty = SearchMemory::replay(t, {failed(0, "crashed", "")});
    for (const auto& island : empty.population.islands)
      CHECK(island.empty());
    CHECK(empty.tree.nodes().empty());
    CHECK_FALSE(empty.best_fitness);
  }
}

TEST_CASE("the tree grows along improvements, failures are failed expansions", "[graph][search_memory]") {
  Target t = target_with("tree");
  t.search.tree.prune_after = 2;
  SearchMemory m = SearchMemory::replay(t, {baseline(10)});

  SECTION("a crashed, blocked or rejected record counts as a failed expansion of its parent") {
    m.add(t, failed(1, "crashed", "b0"));
    const auto* root = node_of(m, "b0");
    REQUIRE(root);
    CHECK(m.tree.nodes().size() == 1);
    CHECK(m.tree.experiments() == 1);
    CHECK(root->visits == 1);
    CHECK(root->reward == 0);
    CHECK(root->stale == 1);
    CHECK_FALSE(root->dead);
    // A rejected candidate that scored (keep_if failed) still did not improve anything.
    m.add(t, scored(2, "rejected", 1, "b0"));
    root = node_of(m, "b0");
    CHECK(m.tree.nodes().size() == 1);
    CHECK(m.tree.experiments() == 2);
    CHECK(root->stale == 2);
    CHECK(root->dead);  // prune_after 2
  }
  SECTION("a kept child becomes a node under its parent and rewards its ancestors") {
    m.add(t, scored(1, "kept", 8, "b0"));
    m.add(t, scored(2, "kept", 6, "c1"));
    REQUIRE(node_of(m, "c1"));
    REQUIRE(node_of(m, "c2"));
    CHECK(node_of(m, "c1")->parent == "b0");
    CHECK(node_of(m, "c2")->parent == "c1");
    CHECK(node_of(m, "b0")->visits == 2);
    CHECK(node_of(m, "b0")->reward == 2);
    CHECK(node_of(m, "c1")->visits == 1);
  }
  SECTION("a discarded child that is worse than its parent is no node") {
    m.add(t, scored(1, "discarded", 12, "b0"));
    CHECK(m.tree.nodes().size() == 1);
    CHECK(node_of(m, "b0")->stale == 1);
  }
  SECTION("a record whose parent is not in the tree is ignored by the tree") {
    m.add(t, scored(1, "kept", 8, "elsewhere"));
    CHECK(m.tree.nodes().size() == 1);
    CHECK(m.tree.experiments() == 0);
  }
}

// With min_improvement the tree grows as the decision keeps: a small gain is a failed expansion.
TEST_CASE("tree: a child discarded for too small a gain (min_improvement) is no node", "[graph][search_memory]") {
  Target t = target_with("tree");
  t.objective.min_improvement = 1;
  t.objectives = {t.objective};
  SearchMemory m = SearchMemory::replay(t, {baseline(10)});
  // 9.5 beats 10 by 0.5 only: the decide node discards it ("does not beat its parent's 10 + 1").
  m.add(t, scored(1, "discarded", 9.5, "b0"));
  CHECK(node_of(m, "c1") == nullptr);
  CHECK(node_of(m, "b0")->reward == 0);
  CHECK(node_of(m, "b0")->stale == 1);
  // 8.5 beats 10 by 1.5: kept, a node.
  m.add(t, scored(2, "kept", 8.5, "b0"));
  REQUIRE(node_of(m, "c2"));
  CHECK(node_of(m, "b0")->reward == 1);
}

TEST_CASE("islands exchange their best every migrate_every experiments", "[graph][search_memory]") {
  Target t = target_with("population");
  t.search.population.islands = 2;
  t.search.population.size = 2;
  t.search.population.migrate_every = 3;
  SearchMemory m = SearchMemory::replay(t, {baseline(10)});
  m.add(t, scored(1, "kept", 5, "b0"));        // island 1: b0, c1 (the best so far)
  m.add(t, scored(2, "kept", 20, "b0"));       // island 0: b0, c2
  CHECK(commits_of(m.population.islands[0]) == std::vector<std::string>{"b0", "c2"});
  m.add(t, failed(3, "crashed", "b0"));        // 3 % 3 == 0: migration, even after a failure
  // Island 1's best (c1, score 5) replaces island 0's least fit (c2, score 20); island 0's
  // best (b0) is already on island 1.
  CHECK(commits_of(m.population.islands[0]) == std::vector<std::string>{"b0", "c1"});
  CHECK(commits_of(m.population.islands[1]) == std::vector<std::string>{"b0", "c1"});

  SECTION("nothing moves between migrations") {
    m.add(t, scored(4, "kept", 1, "c1"));  // island 0: c4 replaces b0
    m.add(t, scored(5, "kept", 2, "c1"));  // island 1: c5 replaces b0
    CHECK(commits_of(m.population.islands[0]) == std::vector<std::string>{"c1", "c4"});
    CHECK(commits_of(m.population.islands[1]) == std::vector<std::string>{"c1", "c5"});
    m.add(t, failed(6, "blocked", "c1"));  // 6: migration, c4 moves to island 1
    CHECK(commits_of(m.population.islands[1]) == std::vector<std::string>{"c4", "c5"});
  }
  SECTION("one island never migrates") {
    Target one = target_with("population");
    one.search.population.islands = 1;
    one.search.population.migrate_every = 1;
    SearchMemory single = SearchMemory::replay(one, {baseline(10), scored(1, "kept", 5, "b0")});
    CHECK(commits_of(single.population.islands[0]) == std::vector<std::string>{"b0", "c1"});
  }
}

TEST_CASE("auto's bandit rewards an arm only when its experiment improved the best", "[graph][search_memory]") {
  Target t = target_with("auto", Direction::Maximize);
  SearchMemory m = SearchMemory::start(t);
  REQUIRE(m.bandit.arms.size() == 3);  // greedy, population, tree
  m.add(t, baseline(10));
  for (const auto& arm : m.bandit.arms)
    CHECK(arm.pulls == 0);  // the baseline is nobody's pull

  m.add(t, scored(1, "kept", 12, "b0", "population"));   // a new best
  m.add(t, scored(2, "kept", 11, "b0", "tree"));         // beat its parent, not the best
  m.add(t, scored(3, "discarded", 12, "c1", "population"));  // equal to the best: no gain
  m.add(t, failed(4, "crashed", "c1", "greedy"));
  m.add(t, scored(5, "kept", 13, "c1", "tree"));         // a new best
  CHECK(arm_of(m, "population").pulls == 2);
  CHECK(arm_of(m, "population").successes == 1);
  CHECK(arm_of(m, "population").failures == 1);
  CHECK(arm_of(m, "tree").pulls == 2);
  CHECK(arm_of(m, "tree").successes == 1);
  CHECK(arm_of(m, "greedy").pulls == 1);
  CHECK(arm_of(m, "greedy").failures == 1);
  REQUIRE(m.best_fitness);
  CHECK(*m.best_fitness == 13);

  SECTION("only under strategy auto") {
    Target fixed = target_with("population", Direction::Maximize);
    SearchMemory p = SearchMemory::replay(fixed, {baseline(10), scored(1, "kept", 12, "b0", "population")});
    for (const auto& arm : p.bandit.arms)
      CHECK(arm.pulls == 0);
  }
  SECTION("with a list objective, entering the front is a success too") {
    Target two = target_with("auto", Direction::Maximize);
    Objective second{"g", Direction::Maximize, 0, {}};
    two.objectives = {two.objective, second};
    REQUIRE(auto_arms(two) == std::vector<std::string>{"greedy", "population", "tree", "pareto"});
    json b = baseline(10);
    b["objectives"] = {10, 10};
    json trade = scored(1, "discarded", 9, "b0", "pareto");  // worse first objective, better second
    trade["objectives"] = {9, 12};
    json dominated = scored(2, "discarded", 8, "b0", "pareto");
    dominated["objectives"] = {8, 8};
    SearchMemory p = SearchMemory::replay(two, {b, trade, dominated});
    CHECK(arm_of(p, "pareto").pulls == 2);
    CHECK(arm_of(p, "pareto").successes == 1);
  }
}

TEST_CASE("the front is built from the records' objective values", "[graph][search_memory]") {
  Target t = target_with("pareto");
  Objective f2{"f2", Direction::Maximize, 0, {}};
  t.objectives = {t.objective, f2};  // score (minimised), f2 (maximised)
  auto with = [](json record, json objectives) {
    record["objectives"] = std::move(objectives);
    return record;
  };
  SearchMemory m = SearchMemory::replay(t, {with(baseline(5), {5, 5})});
  REQUIRE(m.front.members.size() == 1);
  CHECK(m.front.members[0].commit == "b0");
  CHECK(m.front.members[0].point == search::Point{-5, 5});  // each objective larger-is-better

  m.add(t, with(scored(1, "kept", 4, "b0"), {4, 6}));        // dominates the baseline
  m.add(t, with(scored(2, "kept", 3, "c1"), {3, 2}));        // a trade-off
  m.add(t, with(scored(3, "discarded", 4, "c1"), {4, 6}));   // equal to c1
  m.add(t, with(scored(4, "discarded", 5, "c1"), {5, 1}));   // dominated
  m.add(t, with(scored(5, "kept", 1, "c1"), {1, 3, 7}));     // three values for two objectives
  m.add(t, with(failed(6, "crashed", "c1"), {0, 100}));      // failed: not evaluated
  m.add(t, scored(7, "kept", 0, "c1"));                      // no objective values at all
  std::vector<std::string> front;
  for (const auto& member : m.front.members)
    front.push_back(member.commit);
  CHECK(front == std::vector<std::string>{"c1", "c2"});

  SECTION("objective_point orients each value by its direction and refuses incomplete values") {
    CHECK(objective_point(t, json{2, 3}) == search::Point{-2, 3});
    CHECK_FALSE(objective_point(t, json{2}));
    CHECK_FALSE(objective_point(t, json{2, nullptr}));
    CHECK_FALSE(objective_point(t, json(nullptr)));
  }
}

TEST_CASE("the archive is built from the records' behaviour values", "[graph][search_memory]") {
  Target t = target_with("elites");
  t.search.archive = {{"x", 0, 10, 2}};
  SearchMemory m = SearchMemory::start(t);
  REQUIRE(m.archive.descriptors.size() == 1);
  CHECK(m.archive.descriptors[0].name == "x");
  auto with = [](json record, json behaviour) {
    record["behaviour"] = std::move(behaviour);
    return record;
  };
  m.add(t, with(baseline(10), {1}));
  m.add(t, with(scored(1, "kept", 12, "b0"), {8}));      // the empty cell 1
  m.add(t, with(scored(2, "kept", 9, "b0"), {2}));       // beats b0 in cell 0
  m.add(t, with(scored(3, "discarded", 9.5, "b0"), {3}));  // worse than c2 in cell 0
  m.add(t, with(failed(4, "crashed", "b0"), {9}));
  REQUIRE(m.archive.cells.size() == 2);
  CHECK(m.archive.cells.at("0").commit == "c2");
  CHECK(m.archive.cells.at("1").commit == "c1");
}
