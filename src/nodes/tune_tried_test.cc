#include "nodes/tune_tried.h"

#include <stdlib.h>

#include <set>

#include <catch2/catch.hpp>

#include "temp_dir.h"

#include "util/file.h"

using namespace anneal::nodes;

namespace {

TuneParam threads(double min = 1, double max = 64) { return {"cfg.ini", "threads = ([0-9]+)", min, max, true}; }
TuneParam ratio() { return {"cfg.ini", "ratio = ([0-9.e-]+)", 0, 1, false}; }

}  // namespace

TEST_CASE("tried points compare at each parameter's precision", "[nodes]") {
  TriedPoints tried({threads(), ratio()});
  tried.add({8, 0.5});
  CHECK(tried.contains({8.2, 0.5}));        // an integer is a whole number
  CHECK(tried.contains({8, 0.50000001}));   // a real to 6 significant digits
  CHECK_FALSE(tried.contains({8, 0.5001}));
  CHECK_FALSE(tried.contains({9, 0.5}));
  auto parsed = TriedPoints::from_json({threads(), ratio()}, nlohmann::json::parse("[[8, 0.5], [1], \"x\", [2, null]]"));
  CHECK(parsed.size() == 2);
  CHECK(parsed.contains({8, 0.5}));
}

TEST_CASE("the nearest untried point of a small integer grid", "[nodes]") {
  TriedPoints tried({threads(1, 4)});
  for (double v : {1, 2, 3})
    tried.add({v});
  CHECK(tried.nearest_untried({2}) == std::vector<double>{4});
  tried.add({4});
  CHECK_FALSE(tried.nearest_untried({2}));  // every point tried
  TriedPoints reals({ratio()});
  CHECK_FALSE(reals.nearest_untried({0.5}));  // no grid to search
}

TEST_CASE("tune proposes every point of a small grid once before it repeats one", "[nodes]") {
  anneal::testing::TempDir dir;
  std::vector<TuneParam> params = {threads(1, 6)};
  TriedPoints tried(params);
  tried.add({3});
  std::set<std::string> seen = {"3"};
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    REQUIRE(anneal::write_file_atomic(dir.path() / "cfg.ini", "threads = 3\n"));
    auto tuned = tune(params, dir.path(), 1.0, seed, nullptr, &tried);
    REQUIRE(tuned);
    REQUIRE(tuned->edits.size() == 1);
    std::string value = tuned->edits[0].new_text;
    INFO("seed " << seed << " proposed " << value);
    CHECK(seen.insert(value).second);
    tried.add({std::stod(value)});
  }
  CHECK(seen.size() == 6);
}
