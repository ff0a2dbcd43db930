#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace anneal::nodes {

enum class Direction { Maximize, Minimize };

/// How candidates are accepted: `search:` plus the objective's direction and threshold.
struct SearchConfig {
  /// greedy | annealing | population | pareto | tree | elites | auto. Only annealing has a
  /// temperature; every other strategy keeps greedy's step rule (the one-fifth rule), and
  /// decides acceptance against the reference its own structure gives (strategy_decision.h).
  std::string strategy = "greedy";
  uint64_t seed = 0;
  Direction direction = Direction::Maximize;
  double min_improvement = 0;  ///< a candidate must beat the incumbent by more than this
  // annealing (all optional in the Annealfile; these are the defaults)
  double initial_temperature = 0.1;  ///< in units of relative score change
  double cooling = 0.95;             ///< temperature factor per experiment
  double min_temperature = 1e-4;
  double target_acceptance = 0.2;    ///< reheat below this acceptance rate; the step is steady at it
  double reheat = 2.0;               ///< temperature factor on reheat (capped at initial)
  int window = 10;                   ///< experiments in the acceptance-rate window
  int budget = 0;                    ///< total experiments planned (informational)

  /// Reads strategy parameters from a `search:` mapping; unknown keys are ignored here
  /// (the schema rejects them). `direction`, `min_improvement` and `budget` come from the
  /// arguments unless the mapping has them (as `to_json` writes them, so a node spec's config
  /// reads back exactly). Fails on an unknown strategy, naming the known ones, and on
  /// out-of-range values (cooling outside (0, 1], window < 1, ...).
  static Result<SearchConfig> from_json(const nlohmann::json& search, Direction direction,
                                        double min_improvement, int budget);
  nlohmann::json to_json() const;
};

/// The search's memory between experiments; stored in the ledger after every experiment
/// and in decide node specs, so a resumed run continues exactly where it was.
struct SearchState {
  double temperature = 0;  ///< annealing: the temperature; greedy: the step scale. 0 = unset
  std::vector<bool> recent;  ///< acceptances in the window, oldest first
  int experiments = 0;       ///< decisions made so far
  int reheats = 0;
  /// annealing: the step scale, adapted to the acceptance rate (not to the temperature).
  /// 0 = unset: a state written before it existed derives it from the temperature.
  double step = 0;

  static Result<SearchState> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
  /// The tune agent's step size, in (0, 1], 1 at the start. Greedy: the one-fifth rule.
  /// Annealing: shrinks by `cooling` per refused candidate and grows per accepted one, so it
  /// is steady when the acceptance rate is at `target_acceptance`; a reheat leaves it alone.
  double step_scale(const SearchConfig& config) const;
};

struct Decision {
  bool accept = false;
  std::string reason;  ///< e.g. "41.2 < 42.0 - 0.5 (minimize)", "annealing: p=0.31, u=0.12"
  double probability = 1;  ///< acceptance probability used (1 or 0 for greedy)
  SearchState next;
};

/// Decides whether `candidate` replaces `incumbent` at experiment `experiment`. Pure and
/// reproducible: the same inputs (including seed and experiment) give the same decision.
Decision decide(const SearchConfig& config, const SearchState& state, double incumbent,
                double candidate, uint64_t experiment);

/// Records an experiment that produced no score (rejected, blocked, crashed): the search
/// cools as if the candidate had been refused.
SearchState record_failure(const SearchConfig& config, const SearchState& state);

/// Records a decision another rule made (a strategy's structure, a statistical test): the
/// step and the acceptance window move as if this strategy had decided so.
SearchState record_outcome(const SearchConfig& config, const SearchState& state, bool accepted);

/// True when `a` is strictly better than `b` in this direction (ties are not better).
bool better(Direction direction, double a, double b);

}  // namespace anneal::nodes
