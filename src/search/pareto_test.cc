#include "search/pareto.h"

#include <cmath>
#include <limits>
#include <map>

#include <catch2/catch.hpp>

using anneal::Rng;
using namespace anneal::search;

namespace {

constexpr double k_inf = std::numeric_limits<double>::infinity();
constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

std::vector<int> ids(const ParetoFront& front) {
  std::vector<int> out;
  for (const FrontMember& m : front.members)
    out.push_back(m.id);
  return out;
}

}  // namespace

TEST_CASE("dominates: at least as good everywhere and strictly better once", "[search]") {
  CHECK(dominates({2, 2}, {1, 2}));
  CHECK_FALSE(dominates({1, 2}, {2, 2}));
  CHECK(dominates({1, 1, 2}, {1, 1, 1}));
  SECTION("equal points do not dominate each other") {
    CHECK_FALSE(dominates({1, 1}, {1, 1}));
  }
  SECTION("a trade-off dominates neither way") {
    CHECK_FALSE(dominates({2, 1}, {1, 2}));
    CHECK_FALSE(dominates({1, 2}, {2, 1}));
  }
  SECTION("points of different sizes are not comparable") {
    CHECK_FALSE(dominates({2, 2, 2}, {1, 1}));
  }
  SECTION("a NaN coordinate dominates nothing and is dominated by nothing") {
    CHECK_FALSE(dominates({2, k_nan}, {1, 1}));
    CHECK_FALSE(dominates({2, 2}, {1, k_nan}));
  }
}

TEST_CASE("non_dominated keeps the front in input order, equal points included", "[search]") {
  std::vector<Point> points{{1, 1}, {3, 1}, {1, 3}, {2, 2}, {3, 1}, {0, 0}};
  CHECK(non_dominated(points) == std::vector<size_t>{1, 2, 3, 4});
  CHECK(non_dominated({}).empty());
  CHECK(non_dominated({{5, 5}}) == std::vector<size_t>{0});
}

TEST_CASE("hypervolume of hand-computed sets", "[search]") {
  SECTION("2-D staircase: strips of height 3, 2 and 1") {
    CHECK(hypervolume({{1, 3}, {2, 2}, {3, 1}}, {0, 0}) == Approx(6));
    // A dominated point and a duplicate add nothing, whatever the order.
    CHECK(hypervolume({{3, 1}, {1, 1}, {2, 2}, {1, 3}, {2, 2}}, {0, 0}) == Approx(6));
    CHECK(hypervolume({{2, 3}}, {0, 0}) == Approx(6));
  }
  SECTION("2-D with a shifted reference: a point on the reference adds nothing") {
    // (1,3) is not strictly above x = 1; the rest covers [1,2]x[0,2] and [2,3]x[0,1].
    CHECK(hypervolume({{1, 3}, {2, 2}, {3, 1}}, {1, 0}) == Approx(3));
  }
  SECTION("3-D: inclusion-exclusion of three boxes") {
    // Three boxes of 3, pairwise overlaps of 1, triple overlap 1: 9 - 3 + 1.
    CHECK(hypervolume({{3, 1, 1}, {1, 3, 1}, {1, 1, 3}}, {0, 0, 0}) == Approx(7));
    // Boxes 8, 3, 3; overlaps 2, 2, 1; triple 1: 14 - 5 + 1.
    CHECK(hypervolume({{2, 2, 2}, {3, 1, 1}, {1, 1, 3}}, {0, 0, 0}) == Approx(10));
    // Reference x = 1: (1,1,3) drops out; boxes 1x2x2 and 2x1x1 overlap in 1x1x1.
    CHECK(hypervolume({{2, 2, 2}, {3, 1, 1}, {1, 1, 3}}, {1, 0, 0}) == Approx(5));
  }
  SECTION("4-D") {
    CHECK(hypervolume({{1, 2, 3, 4}}, {0, 0, 0, 0}) == Approx(24));
    CHECK(hypervolume({{2, 1, 1, 1}, {1, 2, 1, 1}}, {0, 0, 0, 0}) == Approx(3));
  }
  SECTION("degenerate: empty set, points at or below the reference, wrong sizes") {
    CHECK(hypervolume({}, {0, 0}) == 0);
    CHECK(hypervolume({{-1, -1}, {0, 5}, {5, 0}}, {0, 0}) == 0);
    CHECK(hypervolume({{1, 1, 1}}, {0, 0}) == 0);
    CHECK(hypervolume({{1, 1}}, {}) == 0);
  }
}

TEST_CASE("crowding_distance: extremes are infinite, interior points by their neighbours' gap", "[search]") {
  SECTION("two objectives") {
    // x range 10: B's neighbours 0 and 2 -> 0.2, C's 1 and 10 -> 0.9; y likewise.
    std::vector<double> d = crowding_distance({{0, 10}, {1, 9}, {2, 8}, {10, 0}});
    REQUIRE(d.size() == 4);
    CHECK(d[0] == k_inf);
    CHECK(d[1] == Approx(0.4));
    CHECK(d[2] == Approx(1.8));
    CHECK(d[3] == k_inf);
  }
  SECTION("an objective on which all points agree adds nothing") {
    std::vector<double> d = crowding_distance({{0, 10, 7}, {1, 9, 7}, {2, 8, 7}, {10, 0, 7}});
    CHECK(d[1] == Approx(0.4));
    CHECK(d[2] == Approx(1.8));
  }
  SECTION("every point tied at an extreme is an extreme") {
    std::vector<double> d = crowding_distance({{0, 5}, {0, 3}, {1, 1}, {2, 0}});
    CHECK(d[0] == k_inf);
    CHECK(d[1] == k_inf);
    CHECK(d[3] == k_inf);
    CHECK(std::isfinite(d[2]));
  }
  SECTION("one or two points: all infinite") {
    CHECK(crowding_distance({{1, 2}}) == std::vector<double>{k_inf});
    CHECK(crowding_distance({{1, 2}, {2, 1}}) == std::vector<double>{k_inf, k_inf});
    CHECK(crowding_distance({}).empty());
  }
}

TEST_CASE("ParetoFront.offer keeps the non-dominated set", "[search]") {
  ParetoFront front;
  CHECK(front.offer({1, "a", {1, 1}}));
  SECTION("a dominating candidate removes what it dominates") {
    CHECK(front.offer({2, "b", {2, 2}}));
    CHECK(ids(front) == std::vector<int>{2});
    CHECK(front.offer({5, "e", {3, 0}}));
    CHECK(ids(front) == std::vector<int>{2, 5});
    CHECK(front.offer({6, "f", {3, 3}}));
    CHECK(ids(front) == std::vector<int>{6});
  }
  SECTION("an equal point is refused: nothing new") {
    CHECK_FALSE(front.offer({3, "c", {1, 1}}));
    CHECK(ids(front) == std::vector<int>{1});
  }
  SECTION("a dominated point is refused") {
    CHECK_FALSE(front.offer({4, "d", {0, 1}}));
    CHECK(ids(front) == std::vector<int>{1});
  }
  SECTION("another number of objectives or a non-finite coordinate is refused") {
    CHECK_FALSE(front.offer({7, "g", {5, 5, 5}}));
    CHECK_FALSE(front.offer({8, "h", {5, k_nan}}));
    CHECK_FALSE(front.offer({9, "i", {k_inf, 0}}));
    CHECK_FALSE(front.offer({10, "j", {}}));
    CHECK(ids(front) == std::vector<int>{1});
  }
}

TEST_CASE("ParetoFront.pick prefers members in sparse regions of the front", "[search]") {
  ParetoFront front;
  for (auto [id, x, y] : {std::tuple{1, 0.0, 10.0}, {2, 1.0, 9.0}, {3, 2.0, 8.0}, {4, 10.0, 0.0}})
    REQUIRE(front.offer({id, "c" + std::to_string(id), {x, y}}));
  // Distances inf, 0.4, 1.8, inf. Of the 16 ordered pairs the two ends (a tie, won by the
  // lower id) take 7 and 5, the sparse interior member 3, the crowded one only (2,2): 1.
  Rng rng(7);
  std::map<size_t, int> wins;
  const int draws = 16000;
  for (int i = 0; i < draws; ++i)
    ++wins[*front.pick(rng)];
  CHECK(wins[0] == Approx(7000).margin(350));
  CHECK(wins[1] == Approx(1000).margin(350));
  CHECK(wins[2] == Approx(3000).margin(350));
  CHECK(wins[3] == Approx(5000).margin(350));

  SECTION("the same seed picks the same parents") {
    Rng a(42), b(42);
    for (int i = 0; i < 100; ++i)
      REQUIRE(front.pick(a) == front.pick(b));
  }
  SECTION("an empty front has no parent; one member is always picked") {
    CHECK_FALSE(ParetoFront{}.pick(rng));
    ParetoFront one;
    one.offer({9, "z", {1, 1}});
    CHECK(one.pick(rng) == 0u);
  }
}

TEST_CASE("ParetoFront JSON round-trips exactly and refuses malformed input", "[search]") {
  ParetoFront front;
  front.offer({3, "abc123", {0.1 + 0.2, -1e-300}});
  front.offer({1, "def456", {-0.0, 12345.678901234567}});
  const nlohmann::json j = front.to_json();
  for (const nlohmann::json& stored : {j, nlohmann::json::parse(j.dump())}) {
    auto back = ParetoFront::from_json(stored);
    REQUIRE(back);
    REQUIRE(back->members.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
      CHECK(back->members[i].id == front.members[i].id);
      CHECK(back->members[i].commit == front.members[i].commit);
      CHECK(back->members[i].point == front.members[i].point);
      CHECK(std::signbit(back->members[i].point[0]) == std::signbit(front.members[i].point[0]));
    }
    CHECK(back->to_json() == j);
  }
  CHECK(ParetoFront::from_json({{"members", nlohmann::json::array()}})->members.empty());

  auto error = [](const char* text) {
    auto r = ParetoFront::from_json(nlohmann::json::parse(text));
    REQUIRE_FALSE(r);
    return r.error().message;
  };
  CHECK_THAT(error("[]"), Catch::Contains("expected an object with a 'members' array"));
  CHECK_THAT(error(R"({"members": [{"id": 1, "commit": "a"}]})"),
             Catch::Contains("member 0 needs an array 'point'"));
  CHECK_THAT(error(R"({"members": [{"id": 1, "commit": "a", "point": []}]})"),
             Catch::Contains("member 0 needs a non-empty array 'point'"));
  CHECK_THAT(error(R"({"members": [{"id": 1, "commit": "a", "point": [1, "x"]}]})"),
             Catch::Contains("'point' value that is not a number"));
  CHECK_THAT(error(R"({"members": [{"id": "1", "commit": "a", "point": [1]}]})"),
             Catch::Contains("integer 'id'"));
  CHECK_THAT(error(R"({"members": [{"id": 1, "commit": "a", "point": [2, 2]},
                                   {"id": 2, "commit": "b", "point": [1, 1]}]})"),
             Catch::Contains("member 1 is dominated by"));
  CHECK_THAT(error(R"({"members": [{"id": 1, "commit": "a", "point": [1, 1]},
                                   {"id": 2, "commit": "b", "point": [2, 2]}]})"),
             Catch::Contains("dominates an earlier one"));
}
