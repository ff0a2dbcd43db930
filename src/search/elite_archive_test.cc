#include "search/elite_archive.h"

#include <limits>
#include <map>

#include <catch2/catch.hpp>

using anneal::Rng;
using namespace anneal::search;

namespace {

constexpr double k_inf = std::numeric_limits<double>::infinity();
constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

/// 5 bins of width 2 over [0, 10] and 2 bins of width 1 over [-1, 1]: 10 cells.
EliteArchive grid() {
  EliteArchive archive;
  archive.descriptors = {{"length", 0, 10, 5}, {"speed", -1, 1, 2}};
  return archive;
}

}  // namespace

TEST_CASE("EliteArchive.cell_of bins, clamps and refuses", "[search]") {
  const EliteArchive archive = grid();
  CHECK(archive.cell_of({0, -1}) == "0,0");
  CHECK(archive.cell_of({3.5, -0.5}) == "1,0");
  SECTION("lower edges are inclusive and max falls in the last bin") {
    CHECK(archive.cell_of({2, 0}) == "1,1");
    CHECK(archive.cell_of({9.99, 0.5}) == "4,1");
    CHECK(archive.cell_of({10, 1}) == "4,1");
  }
  SECTION("values outside the range are clamped to the first or last bin") {
    CHECK(archive.cell_of({-5, 7}) == "0,1");
    CHECK(archive.cell_of({k_inf, -k_inf}) == "4,0");
  }
  SECTION("NaN, a size mismatch or an unusable descriptor has no cell") {
    CHECK_FALSE(archive.cell_of({k_nan, 0}));
    CHECK_FALSE(archive.cell_of({1}));
    CHECK_FALSE(archive.cell_of({1, 0, 0}));
    EliteArchive bad;
    bad.descriptors = {{"flat", 1, 1, 3}};
    CHECK_FALSE(bad.cell_of({1}));
    bad.descriptors = {{"none", 0, 1, 0}};
    CHECK_FALSE(bad.cell_of({0.5}));
  }
  SECTION("bin indices past 9 are written in full") {
    EliteArchive fine;
    fine.descriptors = {{"x", 0, 12, 12}};
    CHECK(fine.cell_of({11.5}) == "11");
  }
}

TEST_CASE("EliteArchive.offer keeps the best elite per cell", "[search]") {
  EliteArchive archive = grid();
  CHECK(archive.offer({1, "a", 1.0, {1, 0.5}}));
  SECTION("a less fit elite in the same cell stays out") {
    CHECK_FALSE(archive.offer({2, "b", 0.5, {1.5, 0.9}}));
    CHECK(archive.cells.at("0,1").id == 1);
  }
  SECTION("a tie: the older stays") {
    CHECK_FALSE(archive.offer({3, "c", 1.0, {1.9, 0.1}}));
    CHECK(archive.cells.at("0,1").id == 1);
    CHECK(archive.offer({0, "z", 1.0, {1.9, 0.1}}));
    CHECK(archive.cells.at("0,1").id == 0);
  }
  SECTION("a fitter elite replaces the cell's; another cell fills independently") {
    CHECK(archive.offer({4, "d", 2.0, {0.1, 0.2}}));
    CHECK(archive.cells.at("0,1").commit == "d");
    CHECK(archive.offer({5, "e", 0.1, {9, -1}}));
    CHECK(archive.cells.size() == 2);
    CHECK(archive.cells.at("4,0").id == 5);
  }
  SECTION("no cell or a non-finite value: refused") {
    CHECK_FALSE(archive.offer({6, "f", 9.0, {k_nan, 0}}));
    CHECK_FALSE(archive.offer({6, "f", 9.0, {1}}));
    CHECK_FALSE(archive.offer({6, "f", k_nan, {5, 0}}));
    CHECK_FALSE(archive.offer({6, "f", 9.0, {k_inf, 0}}));
    CHECK(archive.cells.size() == 1);
  }
}

TEST_CASE("EliteArchive.coverage and pick", "[search]") {
  EliteArchive archive = grid();
  Rng rng(5);
  CHECK(archive.coverage() == 0);
  CHECK_FALSE(archive.pick(rng));
  archive.offer({1, "a", 100.0, {1, 0.5}});
  archive.offer({2, "b", 0.0, {9, -1}});
  archive.offer({3, "c", -50.0, {5, 0}});
  CHECK(archive.coverage() == Approx(0.3));

  SECTION("each occupied cell equally likely, whatever its fitness") {
    std::map<int, int> picks;
    for (int i = 0; i < 3000; ++i)
      ++picks[archive.pick(rng)->id];
    CHECK(picks.size() == 3);
    for (int id = 1; id <= 3; ++id)
      CHECK(picks[id] == Approx(1000).margin(150));
  }
  SECTION("the same seed picks the same elites") {
    Rng a(11), b(11);
    for (int i = 0; i < 100; ++i)
      REQUIRE(archive.pick(a)->id == archive.pick(b)->id);
  }
  SECTION("no descriptors: a single cell") {
    EliteArchive single;
    CHECK(single.offer({1, "a", 1.0, {}}));
    CHECK(single.offer({2, "b", 2.0, {}}));
    CHECK(single.coverage() == 1);
    CHECK(single.pick(rng)->id == 2);
  }
}

TEST_CASE("EliteArchive JSON round-trips exactly and refuses malformed input", "[search]") {
  EliteArchive archive = grid();
  archive.offer({1, "a", 0.1 + 0.2, {1.25, 0.3333333333333333}});
  archive.offer({2, "b", -1e-300, {9.75, -0.0}});
  const nlohmann::json j = archive.to_json();
  for (const nlohmann::json& stored : {j, nlohmann::json::parse(j.dump())}) {
    auto back = EliteArchive::from_json(stored);
    REQUIRE(back);
    REQUIRE(back->descriptors.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
      CHECK(back->descriptors[i].name == archive.descriptors[i].name);
      CHECK(back->descriptors[i].min == archive.descriptors[i].min);
      CHECK(back->descriptors[i].max == archive.descriptors[i].max);
      CHECK(back->descriptors[i].bins == archive.descriptors[i].bins);
    }
    REQUIRE(back->cells.size() == archive.cells.size());
    for (const auto& [key, elite] : archive.cells) {
      const Elite& other = back->cells.at(key);
      CHECK(other.id == elite.id);
      CHECK(other.commit == elite.commit);
      CHECK(other.fitness == elite.fitness);
      CHECK(other.behaviour == elite.behaviour);
    }
    CHECK(back->to_json() == j);
  }

  auto error = [](const char* text) {
    auto r = EliteArchive::from_json(nlohmann::json::parse(text));
    REQUIRE_FALSE(r);
    return r.error().message;
  };
  CHECK_THAT(error("null"), Catch::Contains("expected an object"));
  CHECK_THAT(error(R"({"cells": {}})"), Catch::Contains("'descriptors' must be an array"));
  CHECK_THAT(error(R"({"descriptors": [], "cells": []})"), Catch::Contains("'cells' must be an object"));
  CHECK_THAT(error(R"({"descriptors": [{"name": "x", "min": 0, "max": 1, "bins": 0}], "cells": {}})"),
             Catch::Contains("descriptor 0 needs a positive integer 'bins'"));
  CHECK_THAT(error(R"({"descriptors": [{"name": "x", "min": 1, "max": 1, "bins": 2}], "cells": {}})"),
             Catch::Contains("needs 'min' below 'max'"));
  CHECK_THAT(error(R"({"descriptors": [{"name": "x", "min": 0, "max": 1, "bins": 2}],
                       "cells": {"0": {"id": 1, "commit": "a", "fitness": 1, "behaviour": "low"}}})"),
             Catch::Contains("cell \"0\" needs an array 'behaviour'"));
  CHECK_THAT(error(R"({"descriptors": [{"name": "x", "min": 0, "max": 1, "bins": 2}],
                       "cells": {"0": {"id": 1, "commit": "a", "fitness": 1, "behaviour": [0.9]}}})"),
             Catch::Contains("belongs to cell \"1\""));
}
