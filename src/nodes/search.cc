#include "nodes/search.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "util/random.h"

namespace anneal::nodes {

namespace {

constexpr const char* k_greedy = "greedy";
constexpr const char* k_annealing = "annealing";

const char* direction_name(Direction direction) {
  return direction == Direction::Maximize ? "maximize" : "minimize";
}

/// Signed improvement of `candidate` over `incumbent`: positive means better.
double gain(Direction direction, double incumbent, double candidate) {
  return direction == Direction::Maximize ? candidate - incumbent : incumbent - candidate;
}

/// "42.5 > 42 + 0.1 (maximize)" or, refused, "42 is not > 42 + 0.1 (maximize)".
std::string threshold_text(const SearchConfig& config, double incumbent, double candidate,
                           bool accepted) {
  bool maximize = config.direction == Direction::Maximize;
  return fmt::format("{} {}{} {} {} {} ({})", candidate, accepted ? "" : "is not ",
                     maximize ? ">" : "<", incumbent, maximize ? "+" : "-", config.min_improvement,
                     direction_name(config.direction));
}

// Greedy's step size follows Rechenberg's one-fifth rule: it grows after an accepted
// candidate and shrinks after a refused one, steady when one in five gets through. It does
// not depend on the budget, so raising the budget later keeps earlier experiments valid.
constexpr double k_greedy_grow = 1.22;
constexpr double k_greedy_shrink = 0.95;
constexpr double k_greedy_min_scale = 0.05;

double greedy_scale(const SearchState& state) {
  return state.temperature > 0 ? state.temperature : 1.0;
}

double current_temperature(const SearchConfig& config, const SearchState& state) {
  return state.temperature > 0 ? state.temperature : config.initial_temperature;
}

// Annealing's step scale adapts to the acceptance rate, on the temperature's time scale: a
// refusal shrinks it by `cooling`, an acceptance grows it by cooling^-((1 - a) / a) for the
// target rate a, so it holds still when a of the candidates get through. It used to follow
// the temperature, and then a reheat also enlarged the step: in 10 dimensions larger steps
// are refused more often, which lowered the acceptance rate and reheated again, so the search
// never refined a basin (bench/README.md, bench_annealing_rastrigin).
constexpr double k_annealing_min_scale = 0.02;

double annealing_scale(const SearchConfig& config, const SearchState& state) {
  if (state.step > 0)
    return state.step;
  // A state written before `step` existed: the step followed the temperature.
  return std::clamp(current_temperature(config, state) / config.initial_temperature,
                    k_annealing_min_scale, 1.0);
}

double step_growth(const SearchConfig& config) {
  const double target = config.target_acceptance;
  if (target <= 0)
    return 1;  // no rate is too low, so nothing to balance the shrinking against
  return std::pow(config.cooling, -(1 - target) / target);
}

/// The state after one more decision whose outcome was `accepted`; appends a note to
/// `reason` when the schedule reheats.
SearchState advance(const SearchConfig& config, const SearchState& state, bool accepted,
                    std::string* reason) {
  SearchState next = state;
  ++next.experiments;
  next.recent.push_back(accepted);
  const size_t window = static_cast<size_t>(std::max(config.window, 1));
  while (next.recent.size() > window)
    next.recent.erase(next.recent.begin());

  if (config.strategy != k_annealing) {
    double scale = greedy_scale(state) * (accepted ? k_greedy_grow : k_greedy_shrink);
    next.temperature = std::clamp(scale, k_greedy_min_scale, 1.0);
    return next;
  }

  const double scale =
      annealing_scale(config, state) * (accepted ? step_growth(config) : config.cooling);
  next.step = std::clamp(scale, k_annealing_min_scale, 1.0);

  auto cool = [&](double t) { return std::max(config.min_temperature, t * config.cooling); };
  double t = cool(current_temperature(config, state));
  if (next.recent.size() == window) {
    double rate = static_cast<double>(std::count(next.recent.begin(), next.recent.end(), true)) /
                  static_cast<double>(window);
    if (rate < config.target_acceptance) {
      // Stuck: too few candidates get through, so raise the temperature to escape. The
      // step is left alone: had it grown too, fewer candidates would get through.
      t = std::min(config.initial_temperature, t * config.reheat);
      next.recent.clear();
      ++next.reheats;
      if (reason)
        *reason += fmt::format("; acceptance {:.0f}% < {:.0f}%: reheated to T={:.4g}", rate * 100,
                               config.target_acceptance * 100, t);
    } else if (rate > 2 * config.target_acceptance) {
      // Accepting too freely is a random walk: cool faster.
      t = cool(t);
    }
  }
  next.temperature = t;
  return next;
}

Result<double> read_number(const nlohmann::json& j, const char* key, double fallback) {
  auto it = j.find(key);
  if (it == j.end())
    return fallback;
  if (!it->is_number())
    return fail(fmt::format("search: '{}' must be a number, not {}", key, it->dump()));
  return it->get<double>();
}

Result<void> validate(const SearchConfig& c) {
  auto bad = [](const char* rule, double value) {
    return fail(fmt::format("search: {}, not {}", rule, value));
  };
  // Negated comparisons so that NaN is refused too.
  if (!(c.min_improvement >= 0))
    return bad("min_improvement must be >= 0", c.min_improvement);
  if (!(c.initial_temperature > 0))
    return bad("initial_temperature must be > 0", c.initial_temperature);
  if (!(c.cooling > 0 && c.cooling <= 1))
    return bad("cooling must be in (0, 1]", c.cooling);
  if (!(c.min_temperature >= 0 && c.min_temperature <= c.initial_temperature))
    return bad("min_temperature must be in [0, initial_temperature]", c.min_temperature);
  if (!(c.target_acceptance >= 0 && c.target_acceptance <= 1))
    return bad("target_acceptance must be in [0, 1]", c.target_acceptance);
  if (!(c.reheat >= 1))
    return bad("reheat must be >= 1", c.reheat);
  if (c.window < 1)
    return bad("window must be >= 1", c.window);
  if (c.budget < 0)
    return bad("budget must be >= 0", c.budget);
  return {};
}

}  // namespace

Result<SearchConfig> SearchConfig::from_json(const nlohmann::json& search, Direction direction,
                                             double min_improvement, int budget) {
  SearchConfig config;
  config.direction = direction;
  config.min_improvement = min_improvement;
  config.budget = budget;
  if (search.is_null())
    return config;
  if (!search.is_object())
    return fail(fmt::format("search: expected a mapping, not {}", search.dump()));

  if (auto it = search.find("strategy"); it != search.end()) {
    static const std::vector<std::string> k_strategies = {k_greedy, "population", "pareto", "tree",
                                                         "elites", "auto", k_annealing};
    if (!it->is_string() ||
        std::find(k_strategies.begin(), k_strategies.end(), it->get<std::string>()) == k_strategies.end())
      return fail(fmt::format("search: unknown strategy {}; known strategies: {}", it->dump(),
                              fmt::join(k_strategies, ", ")));
    config.strategy = it->get<std::string>();
  }
  if (auto it = search.find("seed"); it != search.end()) {
    if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0))
      return fail(fmt::format("search: 'seed' must be a non-negative integer, not {}", it->dump()));
    config.seed = it->get<uint64_t>();
  }
  // A node spec carries the whole config (to_json); a `search:` mapping does not, and the
  // objective's values passed in apply.
  if (auto it = search.find("direction"); it != search.end()) {
    if (*it == "maximize")
      config.direction = Direction::Maximize;
    else if (*it == "minimize")
      config.direction = Direction::Minimize;
    else
      return fail(
          fmt::format("search: 'direction' must be maximize or minimize, not {}", it->dump()));
  }

  struct RealField {
    const char* key;
    double* value;
  };
  for (auto [key, value] : {RealField{"min_improvement", &config.min_improvement},
                            RealField{"initial_temperature", &config.initial_temperature},
                            RealField{"cooling", &config.cooling},
                            RealField{"min_temperature", &config.min_temperature},
                            RealField{"target_acceptance", &config.target_acceptance},
                            RealField{"reheat", &config.reheat}}) {
    auto read = read_number(search, key, *value);
    if (!read)
      return std::unexpected(read.error());
    *value = *read;
  }
  for (auto [key, value] :
       {std::pair{"window", &config.window}, std::pair{"budget", &config.budget}}) {
    auto it = search.find(key);
    if (it == search.end())
      continue;
    if (!it->is_number_integer())
      return fail(fmt::format("search: '{}' must be an integer, not {}", key, it->dump()));
    *value = it->get<int>();
  }

  if (auto valid = validate(config); !valid)
    return std::unexpected(valid.error());
  return config;
}

nlohmann::json SearchConfig::to_json() const {
  return {
      {"strategy", strategy},
      {"seed", seed},
      {"direction", direction_name(direction)},
      {"min_improvement", min_improvement},
      {"initial_temperature", initial_temperature},
      {"cooling", cooling},
      {"min_temperature", min_temperature},
      {"target_acceptance", target_acceptance},
      {"reheat", reheat},
      {"window", window},
      {"budget", budget},
  };
}

Result<SearchState> SearchState::from_json(const nlohmann::json& j) {
  SearchState state;
  if (!j.is_object())
    return fail(fmt::format("search state: expected an object, not {}", j.dump()));
  try {
    state.temperature = j.value("temperature", 0.0);
    state.experiments = j.value("experiments", 0);
    state.reheats = j.value("reheats", 0);
    state.step = j.value("step", 0.0);
    if (auto it = j.find("recent"); it != j.end())
      state.recent = it->get<std::vector<bool>>();
  } catch (const nlohmann::json::exception& e) {
    return fail(fmt::format("search state: {} in {}", e.what(), j.dump()));
  }
  return state;
}

nlohmann::json SearchState::to_json() const {
  nlohmann::json j = {
      {"temperature", temperature},
      {"recent", recent},
      {"experiments", experiments},
      {"reheats", reheats},
  };
  // Only annealing sets it; leaving it out otherwise keeps greedy's state (and the keys of
  // the decide nodes that carry it) as they were.
  if (step > 0)
    j["step"] = step;
  return j;
}

double SearchState::step_scale(const SearchConfig& config) const {
  if (config.strategy != k_annealing)
    return greedy_scale(*this);
  return annealing_scale(config, *this);
}

bool better(Direction direction, double a, double b) {
  return direction == Direction::Maximize ? a > b : a < b;
}

Decision decide(const SearchConfig& config, const SearchState& state, double incumbent,
                double candidate, uint64_t experiment) {
  Decision decision;
  const double improvement = gain(config.direction, incumbent, candidate);

  if (std::isnan(candidate)) {
    decision.accept = false;
    decision.probability = 0;
    decision.reason = "candidate score is not a number";
  } else if (std::isnan(incumbent)) {
    decision.accept = true;
    decision.reason = fmt::format("{} replaces an incumbent without a score", candidate);
  } else if (config.strategy != k_annealing) {
    decision.accept = improvement > config.min_improvement;
    decision.probability = decision.accept ? 1 : 0;
    decision.reason = threshold_text(config, incumbent, candidate, decision.accept);
  } else if (improvement > config.min_improvement) {
    decision.accept = true;
    decision.reason = "annealing: " + threshold_text(config, incumbent, candidate, true);
  } else {
    // Relative change, so one temperature suits scores of any magnitude.
    const double relative = improvement / std::max(std::fabs(incumbent), 1e-12);
    const double temperature = current_temperature(config, state);
    decision.probability = std::min(1.0, std::exp(relative / temperature));
    const double u = Rng(mix_seed(config.seed, experiment)).uniform();
    decision.accept = u < decision.probability;
    decision.reason = fmt::format(
        "annealing: {} vs {} ({:+.3g}%, not beyond min_improvement {}) at T={:.4g}: p={:.3g}, "
        "u={:.3g}, {}",
        candidate, incumbent, relative * 100, config.min_improvement, temperature,
        decision.probability, u, decision.accept ? "accepted" : "refused");
  }
  decision.next = advance(config, state, decision.accept, &decision.reason);
  return decision;
}

SearchState record_failure(const SearchConfig& config, const SearchState& state) {
  return advance(config, state, false, nullptr);
}

SearchState record_outcome(const SearchConfig& config, const SearchState& state, bool accepted) {
  return advance(config, state, accepted, nullptr);
}

}  // namespace anneal::nodes
