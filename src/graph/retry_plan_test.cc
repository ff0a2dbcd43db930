#include "graph/retry_plan.h"

#include <vector>

#include <catch2/catch.hpp>

using namespace anneal::graph;
using nlohmann::json;

namespace {

/// A ledger record of experiment `id`, attempt `attempt`, with the position after it.
json record(int id, int attempt, bool unfinished, int planned, std::vector<int> left) {
  SearchPosition position;
  position.planned = planned;
  position.unfinished = std::move(left);
  json r = {{"id", id}, {"attempt", attempt}, {"outcome", unfinished ? "crashed" : "kept"},
            {"state", position.to_json()}};
  if (unfinished)
    r["unfinished"] = true;
  return r;
}

std::vector<int> ids_run(ExperimentQueue& queue, SearchPosition position, int budget,
                         const std::vector<int>& still_unfinished = {}) {
  std::vector<int> ids;
  while (auto next = queue.next(position, budget)) {
    ids.push_back(next->id);
    bool finished = std::find(still_unfinished.begin(), still_unfinished.end(), next->id) == still_unfinished.end();
    if (next->id > 0)
      position.count_attempt(next->id, finished);
    else
      position = SearchPosition{};
    REQUIRE(ids.size() < 20);
  }
  return ids;
}

}  // namespace

TEST_CASE("a build runs the experiments that did not finish first, once, then new ones up to the budget",
          "[graph]") {
  std::vector<json> generation = {record(0, 1, false, 0, {}), record(1, 1, false, 1, {}),
                                  record(2, 1, true, 2, {2}), record(3, 1, true, 3, {2, 3}),
                                  record(4, 1, false, 4, {2, 3})};
  SearchPosition now = recorded_position(generation.back());
  REQUIRE(now.finished() == 2);

  SECTION("both finish now") {
    ExperimentQueue queue(false, now, generation);
    REQUIRE(queue.retries().size() == 2);
    CHECK(queue.retries()[0].attempts == 1);
    CHECK(queue.retries()[0].planned_from.planned == 1);  // planned after #1
    CHECK(queue.retries()[1].planned_from.planned == 2);  // planned after #2's first attempt
    CHECK(ids_run(queue, now, 5) == std::vector<int>{2, 3, 5});
  }
  SECTION("one fails again: it is not run twice in one build, and no experiment beyond the budget") {
    ExperimentQueue queue(false, now, generation);
    CHECK(ids_run(queue, now, 4, {3}) == std::vector<int>{2, 3});
  }
  SECTION("nothing once the budget has finished") {
    ExperimentQueue queue(false, now, generation);
    CHECK(ids_run(queue, now, 2).empty());
  }
  SECTION("a new target starts at the baseline") {
    ExperimentQueue queue(true, SearchPosition{}, {});
    CHECK(ids_run(queue, SearchPosition{}, 2) == std::vector<int>{0, 1, 2});
  }
}

TEST_CASE("history shows each experiment once, its latest attempt and how many there were", "[graph]") {
  std::vector<json> generation = {record(0, 1, false, 0, {}), record(1, 1, true, 1, {1}), record(2, 1, false, 2, {1}),
                                  record(1, 2, true, 2, {1}), record(1, 3, false, 2, {})};
  std::vector<json> latest = latest_attempts(generation);
  REQUIRE(latest.size() == 3);
  CHECK(latest[1]["id"] == 1);
  CHECK(latest[1]["attempt"] == 3);
  CHECK(latest[1]["attempts"] == 3);
  CHECK_FALSE(unfinished_record(latest[1]));
  CHECK(latest[2]["attempts"] == 1);
}

TEST_CASE("a ledger written before attempts were counted reads as every experiment finished", "[graph]") {
  json old = {{"id", 7}, {"outcome", "crashed"}, {"state", {{"incumbent", "abc"}}}};
  SearchPosition position = recorded_position(old);
  CHECK(position.planned == 7);
  CHECK(position.unfinished.empty());
  CHECK(position.finished() == 7);
  CHECK_FALSE(unfinished_record(old));
  std::vector<json> latest = latest_attempts({old});
  CHECK(latest.at(0)["attempts"] == 1);
}
