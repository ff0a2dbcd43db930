#include "nodes/search.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace anneal::nodes;

namespace {

SearchConfig annealing(uint64_t seed = 1) {
  SearchConfig config;
  config.strategy = "annealing";
  config.seed = seed;
  return config;
}

/// Runs `n` decisions of a candidate `worse_by` (relative) below an incumbent of 100,
/// returning how many were accepted.
int accepted_worse(const SearchConfig& config, SearchState state, double worse_by, int n) {
  int accepted = 0;
  for (int i = 0; i < n; ++i) {
    Decision d = decide(config, state, 100, 100 * (1 - worse_by), static_cast<uint64_t>(i));
    accepted += d.accept;
  }
  return accepted;
}

}  // namespace

TEST_CASE("greedy accepts only improvements beyond min_improvement", "[nodes]") {
  SearchConfig config;
  config.min_improvement = 0.5;

  SECTION("maximize") {
    config.direction = Direction::Maximize;
    CHECK(decide(config, {}, 42, 42.6, 0).accept);
    CHECK_FALSE(decide(config, {}, 42, 42.5, 0).accept);  // exactly the threshold
    CHECK_FALSE(decide(config, {}, 42, 42.4, 0).accept);
    CHECK_FALSE(decide(config, {}, 42, 41, 0).accept);
    Decision d = decide(config, {}, 42, 43, 0);
    CHECK(d.reason == "43 > 42 + 0.5 (maximize)");
    CHECK(d.probability == 1);
    CHECK(decide(config, {}, 42, 42.2, 0).reason == "42.2 is not > 42 + 0.5 (maximize)");
  }
  SECTION("minimize") {
    config.direction = Direction::Minimize;
    CHECK(decide(config, {}, 42, 41.2, 0).accept);
    CHECK_FALSE(decide(config, {}, 42, 41.5, 0).accept);
    CHECK_FALSE(decide(config, {}, 42, 43, 0).accept);
    CHECK(decide(config, {}, 42, 41.2, 0).reason == "41.2 < 42 - 0.5 (minimize)");
    Decision refused = decide(config, {}, 42, 41.8, 0);
    CHECK(refused.reason == "41.8 is not < 42 - 0.5 (minimize)");
    CHECK(refused.probability == 0);
  }
  SECTION("ties are not accepted even without a threshold") {
    config.min_improvement = 0;
    CHECK_FALSE(decide(config, {}, 42, 42, 0).accept);
    config.direction = Direction::Minimize;
    CHECK_FALSE(decide(config, {}, 42, 42, 0).accept);
    CHECK(decide(config, {}, 42, 41.999, 0).accept);
  }
  SECTION("a candidate without a score is refused") {
    CHECK_FALSE(decide(config, {}, 42, std::nan(""), 0).accept);
  }
}

TEST_CASE("better is strict in both directions", "[nodes]") {
  CHECK(better(Direction::Maximize, 2, 1));
  CHECK_FALSE(better(Direction::Maximize, 1, 1));
  CHECK(better(Direction::Minimize, 1, 2));
  CHECK_FALSE(better(Direction::Minimize, 2, 2));
}

TEST_CASE("greedy step_scale shrinks on refusals and grows on acceptances", "[nodes]") {
  SearchConfig config;
  SearchState state;
  CHECK(state.step_scale(config) == 1);
  for (int i = 0; i < 5; ++i)
    state = decide(config, state, 1, 0, static_cast<uint64_t>(i)).next;  // refused (maximize)
  CHECK(state.experiments == 5);
  CHECK(state.step_scale(config) == Approx(std::pow(0.95, 5)));
  double shrunk = state.step_scale(config);
  state = decide(config, state, 1, 2, 5).next;  // accepted
  CHECK(state.step_scale(config) == Approx(std::min(1.0, shrunk * 1.22)));
  SECTION("the budget does not change the schedule") {
    SearchConfig budgeted = config;
    budgeted.budget = 10;
    CHECK(state.step_scale(budgeted) == state.step_scale(config));
  }
  SECTION("failures floor at 0.05") {
    for (int i = 0; i < 200; ++i)
      state = record_failure(config, state);
    CHECK(state.step_scale(config) == Approx(0.05));
  }
}

TEST_CASE("annealing decisions are reproducible from the seed", "[nodes]") {
  auto run = [](uint64_t seed) {
    SearchConfig config = annealing(seed);
    SearchState state;
    std::vector<bool> accepts;
    for (int i = 0; i < 40; ++i) {
      double candidate = 100 - (i % 7);  // mostly slightly worse candidates
      Decision d = decide(config, state, 100, candidate, static_cast<uint64_t>(i));
      accepts.push_back(d.accept);
      state = d.next;
    }
    return std::pair{accepts, state.to_json()};
  };
  CHECK(run(7) == run(7));
  CHECK(run(7).first != run(8).first);

  SECTION("a decision depends on the experiment number, not on call order") {
    SearchConfig config = annealing(3);
    SearchState state;
    state.temperature = 0.05;
    Decision a = decide(config, state, 100, 97, 12);
    decide(config, state, 100, 97, 11);
    Decision b = decide(config, state, 100, 97, 12);
    CHECK(a.accept == b.accept);
    CHECK(a.reason == b.reason);
  }
}

TEST_CASE("annealing accepts worse candidates at high temperature, almost none when cold",
          "[nodes]") {
  SearchConfig config = annealing();
  SearchState hot;
  hot.temperature = config.initial_temperature;  // 0.1: a 5% loss has p = exp(-0.5) ≈ 0.61
  SearchState cold;
  cold.temperature = config.min_temperature;  // 1e-4: p = exp(-500)

  int hot_accepts = accepted_worse(config, hot, 0.05, 400);
  CHECK(hot_accepts > 200);
  CHECK(hot_accepts < 290);
  CHECK(accepted_worse(config, cold, 0.05, 400) == 0);

  SECTION("clear improvements are always accepted, with probability 1") {
    Decision d = decide(config, cold, 100, 101, 0);
    CHECK(d.accept);
    CHECK(d.probability == 1);
    CHECK(d.reason == "annealing: 101 > 100 + 0 (maximize)");
  }
  SECTION("the reason shows the probability and the draw") {
    Decision d = decide(config, hot, 100, 95, 0);
    CHECK(d.probability == Approx(std::exp(-0.5)));
    CHECK_THAT(d.reason,
               Catch::Contains("p=0.607") && Catch::Contains("T=0.1") && Catch::Contains("-5%"));
  }
  SECTION("minimize measures the loss the other way round") {
    config.direction = Direction::Minimize;
    CHECK(accepted_worse(config, cold, -0.05, 400) == 0);  // 105 vs 100 is worse
    CHECK(decide(config, cold, 100, 95, 0).accept);
  }
}

TEST_CASE("annealing cools per decision and refusals shrink step_scale as fast", "[nodes]") {
  SearchConfig config = annealing();
  config.target_acceptance = 0;  // refusals only: no reheat, no extra cooling
  SearchState state;
  CHECK(state.step_scale(config) == 1);
  Decision refused = decide(config, state, 100, 0, 0);  // p = exp(-10)
  REQUIRE_FALSE(refused.accept);
  state = refused.next;
  CHECK(state.temperature == Approx(0.1 * 0.95));
  double previous = state.step_scale(config);
  for (int i = 1; i < 30; ++i) {
    state = record_failure(config, state);
    double scale = state.step_scale(config);
    CHECK(scale < previous);
    previous = scale;
  }
  CHECK(state.temperature == Approx(0.1 * std::pow(0.95, 30)));
  for (int i = 0; i < 500; ++i)
    state = record_failure(config, state);
  CHECK(state.temperature == config.min_temperature);
  CHECK(state.step_scale(config) == 0.02);
}

TEST_CASE("annealing's step adapts to the acceptance rate, not to the temperature", "[nodes]") {
  SearchConfig config = annealing();
  config.window = 5;
  SearchState state;
  for (int i = 0; i < 4; ++i)
    state = record_failure(config, state);
  CHECK(state.step_scale(config) == Approx(std::pow(0.95, 4)));

  SECTION("a reheat raises the temperature and leaves the step alone") {
    // In many dimensions a larger step is refused more often: had it grown with the
    // temperature, the search would reheat again and again (bench_annealing_rastrigin).
    Decision d = decide(config, state, 100, 50, 4);
    REQUIRE(d.next.reheats == 1);
    CHECK(d.next.temperature > state.temperature);
    CHECK(d.next.step_scale(config) == Approx(std::pow(0.95, 5)));
  }
  SECTION("the step holds still when the acceptance rate is at the target") {
    // target 0.2: one acceptance in five makes up for four refusals
    Decision accepted = decide(config, state, 100, 200, 4);
    REQUIRE(accepted.accept);
    CHECK(accepted.next.step_scale(config) == Approx(1.0));
    SearchState s = accepted.next;
    for (int i = 0; i < 4; ++i)
      s = record_failure(config, s);
    s = decide(config, s, 100, 200, 9).next;
    CHECK(s.step_scale(config) == Approx(1.0));
    SECTION("and grows when more get through") {
      SearchState small = state;
      small.step = 0.1;
      small = decide(config, small, 100, 200, 4).next;
      small = decide(config, small, 100, 200, 5).next;
      CHECK(small.step_scale(config) == Approx(0.1 * std::pow(0.95, -8)));
    }
  }
  SECTION("it stays within [0.02, 1]") {
    SearchState s;
    for (int i = 0; i < 200; ++i)
      s = record_failure(config, s);
    CHECK(s.step_scale(config) == 0.02);
    for (int i = 0; i < 20; ++i)
      s = decide(config, s, 100, 200, static_cast<uint64_t>(i)).next;
    CHECK(s.step_scale(config) == 1);
  }
  SECTION("a state saved before the step adapted continues from its temperature") {
    auto old = SearchState::from_json({{"temperature", 0.025}, {"recent", {false}}, {"experiments", 27}});
    REQUIRE(old);
    CHECK(old->step == 0);
    CHECK(old->step_scale(config) == Approx(0.25));
    CHECK(record_failure(config, *old).step_scale(config) == Approx(0.25 * 0.95));
  }
}

TEST_CASE("annealing reheats when acceptance stays low", "[nodes]") {
  SearchConfig config = annealing();
  config.window = 5;
  SearchState state;
  for (int i = 0; i < 4; ++i)
    state = record_failure(config, state);
  CHECK(state.reheats == 0);
  CHECK(state.recent.size() == 4);
  double before = state.temperature * config.cooling;
  Decision d = decide(config, state, 100, 50, 4);  // a 50% loss: refused
  REQUIRE_FALSE(d.accept);
  CHECK(d.next.reheats == 1);
  CHECK(d.next.recent.empty());
  CHECK(d.next.temperature == Approx(std::min(config.initial_temperature, before * 2)));
  CHECK_THAT(d.reason, Catch::Contains("reheated"));

  SECTION("reheating never goes above the initial temperature") {
    SearchState s;
    for (int i = 0; i < 200; ++i) {
      s = record_failure(config, s);
      REQUIRE(s.temperature <= config.initial_temperature);
    }
    CHECK(s.reheats == 40);
  }
  SECTION("frequent acceptance cools an extra step") {
    SearchState s;
    for (int i = 0; i < 5; ++i)
      s = decide(config, s, 100, 200, static_cast<uint64_t>(i)).next;
    // four plain cooling steps, then a full window at 100% acceptance: two steps
    CHECK(s.temperature == Approx(0.1 * std::pow(0.95, 6)));
  }
}

TEST_CASE("search config and state round-trip through JSON exactly", "[nodes]") {
  SearchConfig config = annealing(0xfedcba9876543210ULL);
  config.direction = Direction::Minimize;
  config.min_improvement = 0.1 + 0.2;
  config.initial_temperature = 1.0 / 3;
  config.cooling = 0.987654321;
  config.window = 7;
  config.budget = 50;
  auto back = SearchConfig::from_json(config.to_json(), Direction::Maximize, 0, 0);
  REQUIRE(back);
  CHECK(back->to_json() == config.to_json());
  CHECK(back->min_improvement == config.min_improvement);
  CHECK(back->initial_temperature == config.initial_temperature);
  CHECK(back->direction == Direction::Minimize);
  CHECK(back->seed == config.seed);

  SearchState state;
  state.temperature = 0.1 * std::pow(0.95, 17);
  state.recent = {true, false, false, true};
  state.experiments = 17;
  state.reheats = 2;
  state.step = 0.95 * 0.95 / 3;
  auto parsed = SearchState::from_json(nlohmann::json::parse(state.to_json().dump()));
  REQUIRE(parsed);
  CHECK(parsed->temperature == state.temperature);
  CHECK(parsed->recent == state.recent);
  CHECK(parsed->experiments == 17);
  CHECK(parsed->reheats == 2);
  CHECK(parsed->step == state.step);

  SECTION("greedy's state has no step field, as before annealing's step adapted") {
    SearchState greedy = decide(SearchConfig{}, {}, 1, 2, 0).next;
    CHECK_FALSE(greedy.to_json().contains("step"));
    CHECK(decide(config, {}, 1, 2, 0).next.to_json().contains("step"));
  }
}

TEST_CASE("search config from an Annealfile mapping", "[nodes]") {
  SECTION("defaults come from the objective") {
    auto config = SearchConfig::from_json({{"strategy", "annealing"}, {"cooling", 0.9}},
                                          Direction::Minimize, 0.5, 30);
    REQUIRE(config);
    CHECK(config->strategy == "annealing");
    CHECK(config->cooling == 0.9);
    CHECK(config->direction == Direction::Minimize);
    CHECK(config->min_improvement == 0.5);
    CHECK(config->budget == 30);
    CHECK(config->window == 10);
  }
  SECTION("an unknown strategy names the known ones") {
    auto config = SearchConfig::from_json({{"strategy", "genetic"}}, Direction::Maximize, 0, 0);
    REQUIRE_FALSE(config);
    CHECK(config.error().message ==
          "search: unknown strategy \"genetic\"; known strategies: greedy, population, pareto, tree, "
          "elites, auto, annealing");
  }
  SECTION("out-of-range and mistyped values are refused") {
    CHECK_FALSE(SearchConfig::from_json({{"cooling", 1.5}}, Direction::Maximize, 0, 0));
    CHECK_FALSE(SearchConfig::from_json({{"window", 0}}, Direction::Maximize, 0, 0));
    auto typed = SearchConfig::from_json({{"reheat", "lots"}}, Direction::Maximize, 0, 0);
    REQUIRE_FALSE(typed);
    CHECK(typed.error().message == "search: 'reheat' must be a number, not \"lots\"");
  }
  SECTION("a malformed state is an error, not a crash") {
    CHECK_FALSE(SearchState::from_json({{"recent", "yes"}}));
    CHECK_FALSE(SearchState::from_json(nlohmann::json::array()));
  }
}
