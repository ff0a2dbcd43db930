#include "search/ucb_tree.h"

#include <optional>
#include <string>

#include <catch2/catch.hpp>

using anneal::search::UcbTree;

namespace {

/// A: 1.0 -> B: 2.0 (improved), C: 1.5 (improved); B fails once; C -> D: 1.7 (improved);
/// D fails once. Five experiments; visits A 5, B 1, C 2, D 1; rewards A 3, B 0, C 1, D 0.
void grow(UcbTree& tree) {
  tree.add_root(1, "A", 1.0);
  tree.record("A", 2, "B", 2.0);
  tree.record("A", 3, "C", 1.5);
  tree.record("B", 4, "", std::nullopt);
  tree.record("C", 5, "D", 1.7);
  tree.record("D", 6, "", std::nullopt);
}

const anneal::search::TreeNode& node(const UcbTree& tree, const std::string& commit) {
  for (const auto& n : tree.nodes())
    if (n.commit == commit)
      return n;
  FAIL("no node " << commit);
  return tree.nodes().front();
}

}  // namespace

TEST_CASE("ucb tree grows along improvements and prefers the better node", "[search]") {
  UcbTree tree;
  tree.add_root(1, "A", 1.0);
  CHECK(tree.select().first == "A");
  tree.record("A", 2, "B", 2.0);
  tree.record("A", 3, "C", 0.5);  // worse than its parent: a failed expansion, not a node
  REQUIRE(tree.nodes().size() == 2);
  CHECK(tree.experiments() == 2);
  // ln 3; ranks A 0, B 1: A (1 + 0) / 3 + 1.414 * 0.605 = 1.19; B 1 + 1.48 = 2.48.
  auto [commit, reason] = tree.select();
  CHECK(commit == "B");
  CHECK(reason == "ucb 2.48 = 1.00 + 1.48 over 0 visits");
  tree.record("B", 4, "", std::nullopt);  // a failed experiment adds no node
  CHECK(tree.nodes().size() == 2);
  CHECK(tree.select().first == "B");  // ln 4: B 0.50 + 1.18 = 1.68 > A 0.25 + 0.83
}

TEST_CASE("ucb tree adds each experiment's visit and reward to the parent and its ancestors", "[search]") {
  UcbTree tree;
  grow(tree);
  CHECK(tree.experiments() == 5);
  CHECK(node(tree, "A").visits == 5);
  CHECK(node(tree, "A").reward == 3);
  CHECK(node(tree, "B").visits == 1);
  CHECK(node(tree, "B").reward == 0);
  CHECK(node(tree, "C").visits == 2);
  CHECK(node(tree, "C").reward == 1);
  CHECK(node(tree, "D").visits == 1);
  CHECK(node(tree, "D").parent == "C");
}

TEST_CASE("ucb tree picks the highest upper confidence bound once all nodes are visited", "[search]") {
  // ln(N) = ln 6 = 1.791759; priors (fitness ranks) A 0, C 1/3, D 2/3, B 1.
  // c = 1: A 3/6 + 0.5465 = 1.046, B 1/2 + 0.9465 = 1.447, C (1 + 1/3) / 3 + 0.7728 = 1.217,
  // D (2/3) / 2 + 0.9465 = 1.280.
  SECTION("c = 1") {
    UcbTree tree(1.0);
    grow(tree);
    auto [commit, reason] = tree.select();
    CHECK(commit == "B");
    CHECK(reason == "ucb 1.45 = 0.50 + 0.95 over 1 visits");
  }
  SECTION("c = 0: the mean alone; A and B tie at 0.5 and the lower id is taken") {
    UcbTree tree(0.0);
    grow(tree);
    CHECK(tree.select().first == "A");
  }
  SECTION("c = 3: the least visited; B and D tie on the bonus, B's mean is higher") {
    UcbTree tree(3.0);
    grow(tree);
    auto [commit, reason] = tree.select();
    CHECK(commit == "B");
    CHECK(reason == "ucb 3.34 = 0.50 + 2.84 over 1 visits");
  }
}

TEST_CASE("ucb tree prunes a node after prune_after expansions that did not beat it", "[search]") {
  UcbTree tree(1.0, 3);
  tree.add_root(1, "R", 1.0);
  tree.record("R", 2, "", std::nullopt);
  tree.record("R", 3, "W", 0.5);  // a worse child is a failure for R
  CHECK(tree.live() == 1);
  CHECK_FALSE(node(tree, "R").dead);
  SECTION("the third failure kills it") {
    tree.record("R", 4, "", std::nullopt);
    CHECK(node(tree, "R").dead);
    CHECK(tree.live() == 0);
  }
  SECTION("an improvement resets the count") {
    tree.record("R", 4, "X", 1.5);
    tree.record("R", 5, "", std::nullopt);
    tree.record("R", 6, "", std::nullopt);
    CHECK_FALSE(node(tree, "R").dead);
    CHECK(node(tree, "R").stale == 2);
  }
}

TEST_CASE("ucb tree revives the fittest node when every node is dead", "[search]") {
  UcbTree tree(1.4, 1);
  tree.add_root(1, "R", 1.0);
  tree.record("R", 2, "X", 3.0);  // improved: R stays alive
  tree.record("X", 3, "", std::nullopt);
  tree.record("R", 4, "Y", 0.5);
  tree.record("Y", 5, "", std::nullopt);
  REQUIRE(tree.live() == 0);
  auto [commit, reason] = tree.select();
  CHECK(commit == "X");
  CHECK(reason == "all 2 nodes pruned: node 2, the fittest (3), revived");
  tree.record("X", 6, "Z", 4.0);  // an improvement brings X back
  CHECK(tree.live() == 2);
}

TEST_CASE("ucb tree: replaying record() calls and a JSON round trip give the same tree", "[search]") {
  UcbTree first(1.0, 2);
  grow(first);
  first.record("B", 7, "", std::nullopt);  // B dead
  UcbTree replayed(1.0, 2);
  grow(replayed);
  replayed.record("B", 7, "", std::nullopt);
  CHECK(first.to_json() == replayed.to_json());

  auto restored = UcbTree::from_json(nlohmann::json::parse(first.to_json().dump()));
  REQUIRE(restored);
  CHECK(restored->to_json() == first.to_json());
  CHECK(restored->select() == first.select());
  // The commit index is rebuilt: records on the restored tree reach the ancestors.
  restored->record("D", 8, "E", 0.9);
  first.record("D", 8, "E", 0.9);
  CHECK(restored->to_json() == first.to_json());
  CHECK(node(*restored, "A").visits == 7);
}

TEST_CASE("ucb tree from_json refuses malformed objects", "[search]") {
  UcbTree tree;
  grow(tree);
  nlohmann::json j = tree.to_json();
  SECTION("not an object") {
    auto result = UcbTree::from_json(nlohmann::json::array());
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "ucb tree: expected an object, not []");
  }
  SECTION("a parent that is not an earlier node") {
    j["nodes"][1]["parent"] = "D";
    auto result = UcbTree::from_json(j);
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "ucb tree: node 1: parent D is not an earlier node");
  }
  SECTION("a missing field") {
    j["nodes"][2].erase("visits");
    auto result = UcbTree::from_json(j);
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "ucb tree: node 2: 'visits' must be an integer >= 0");
  }
  SECTION("more reward than visits") {
    j["nodes"][0]["reward"] = 9;
    auto result = UcbTree::from_json(j);
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "ucb tree: node 0: reward 9 exceeds its 5 visits");
  }
  SECTION("another format version") {
    j["version"] = 2;
    auto result = UcbTree::from_json(j);
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "ucb tree: format version 2 is not the supported 1");
  }
}
