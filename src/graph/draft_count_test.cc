#include "graph/draft_count.h"

#include <catch2/catch.hpp>

using namespace anneal::graph;
using nlohmann::json;

namespace {

Target auto_target(int min = 1, int max = 4) {
  Target t;
  t.drafts_auto = DraftBounds{min, max};
  t.drafts = max;
  return t;
}

SearchPosition with_window(std::vector<std::pair<int, int>> window) {
  SearchPosition p;
  p.draft_survival = std::move(window);
  return p;
}

}  // namespace

TEST_CASE("drafts: auto takes the fewest drafts that leave a survivor 90 % of the time", "[graph][drafts]") {
  const Target t = auto_target();
  SECTION("a new target starts at the prior's 1/2: four drafts") {
    CHECK(draft_count(t, SearchPosition{}) == 4);
  }
  SECTION("drafts that all survive bring the count down to the minimum") {
    CHECK(draft_count(t, with_window({{4, 4}})) == 2);          // s = 5/6
    CHECK(draft_count(t, with_window({{4, 4}, {2, 2}})) == 2);  // s = 7/8
    CHECK(draft_count(t, with_window({{4, 4}, {2, 2}, {2, 2}})) == 1);  // s = 9/10: exactly one
  }
  SECTION("drafts that keep failing take the maximum") {
    CHECK(draft_count(t, with_window({{0, 4}, {0, 4}})) == 4);
    CHECK(draft_count(auto_target(2, 12), with_window({{0, 4}, {0, 4}})) == 12);  // s = 1/10 wants 22
  }
  SECTION("between: two survivors of nine drafts ask for eight") {
    CHECK(draft_count(auto_target(1, 10), with_window({{1, 4}, {1, 3}, {0, 2}})) == 8);  // s = 3/11
  }
  SECTION("the minimum holds however well drafts survive") {
    CHECK(draft_count(auto_target(3, 5), with_window({{5, 5}, {5, 5}, {5, 5}})) == 3);
  }
  SECTION("a fixed count is the count") {
    Target fixed;
    fixed.drafts = 3;
    CHECK(draft_count(fixed, with_window({{0, 3}})) == 3);
    CHECK(draft_count_json(fixed, SearchPosition{}, 3).is_null());
  }
}

TEST_CASE("the survival window counts each finished experiment's drafts, the last ten", "[graph][drafts]") {
  const Target t = auto_target();
  SearchPosition p;
  count_draft_survival(t, json{{"outcome", "kept"}}, p);
  count_draft_survival(t, json{{"outcome", "blocked"}}, p);
  count_draft_survival(t, json{{"outcome", "duplicate"}}, p);  // measured before: no survivor
  json several = {{"outcome", "discarded"},
                  {"drafts", json::array({{{"outcome", "survived"}}, {{"outcome", "blocked"}}, {{"outcome", "crashed"}}})}};
  count_draft_survival(t, several, p);
  CHECK(p.draft_survival == std::vector<std::pair<int, int>>{{1, 1}, {0, 1}, {0, 1}, {1, 3}});
  CHECK(draft_count_json(t, p, 2) == json{{"count", 2}, {"survived", 2}, {"drafted", 6}});
  for (int i = 0; i < 12; ++i)
    count_draft_survival(t, json{{"outcome", "kept"}}, p);
  CHECK(p.draft_survival.size() == k_survival_window);
  CHECK(draft_count_json(t, p, 1).at("drafted") == 10);
  SECTION("it is part of the recorded position, and only with drafts: auto") {
    SearchPosition back = SearchPosition::from_json(p.to_json());
    CHECK(back.draft_survival == p.draft_survival);
    CHECK_FALSE(SearchPosition{}.to_json().contains("draft_survival"));
    SearchPosition fixed_position;
    count_draft_survival(Target{}, json{{"outcome", "kept"}}, fixed_position);
    CHECK(fixed_position.draft_survival.empty());
  }
}
