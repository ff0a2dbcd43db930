#include "graph/held_out_check.h"

#include <catch2/catch.hpp>

using anneal::graph::held_out_verdict;
using anneal::graph::SearchPosition;

TEST_CASE("held-out verdicts warn over a 0.10 and pause over a 0.25 growth of the gap", "[graph][judge]") {
  SearchPosition position;
  position.kept_since_held_out = 4;
  // The baseline: the samples score 0.1 above the held-out set; only that is recorded.
  auto baseline = held_out_verdict("doc", 0, 0.5, 0.6, position);
  CHECK(baseline.pause.empty());
  CHECK(baseline.warning.empty());
  CHECK(baseline.check.at("gap").get<double>() == Approx(0.1));
  CHECK_FALSE(baseline.check.contains("divergence"));
  REQUIRE(position.held_out_gap);
  CHECK(*position.held_out_gap == Approx(0.1));
  CHECK(position.kept_since_held_out == 4);

  auto same = held_out_verdict("doc", 3, 0.6, 0.75, position);  // gap 0.15: grew by 0.05
  CHECK(same.check.at("divergence").get<double>() == Approx(0.05));
  CHECK(same.warning.empty());
  CHECK(same.pause.empty());
  CHECK(position.kept_since_held_out == 0);

  auto drifting = held_out_verdict("doc", 5, 0.5, 0.8, position);  // gap 0.3: grew by 0.2
  CHECK_THAT(drifting.warning, Catch::StartsWith("doc: warning after #5: held-out score 0.500 vs 0.800"));
  CHECK(drifting.check.value("warning", false));
  CHECK(drifting.pause.empty());

  auto fitted = held_out_verdict("doc", 8, 0.4, 0.9, position);  // gap 0.5: grew by 0.4
  CHECK(fitted.check.value("paused", false));
  CHECK_THAT(fitted.pause, Catch::StartsWith("doc: paused after #8:") && Catch::Contains("anneal history doc"));
}
