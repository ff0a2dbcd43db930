#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/digest.h"
#include "graph/annealfile.h"
#include "graph/judge_samples.h"
#include "nodes/node_spec.h"
#include "util/error.h"

namespace anneal::graph {

/// Where a target's search stands after an experiment; recorded as the ledger's "state".
struct SearchPosition {
  std::string baseline;   ///< commit the target started from
  std::string incumbent;  ///< commit the next candidate starts from
  std::optional<double> incumbent_score;
  std::string best;       ///< best commit so far (the branch anneal/<target>)
  std::optional<double> best_score;
  std::optional<double> baseline_score;
  nlohmann::json search = nlohmann::json::object();  ///< nodes::SearchState
  int consecutive_failures = 0;
  double spent_usd = 0;
  /// With a judge: the incumbent's per-sample results, {SAMPLE: [passed per criterion]},
  /// which the next candidate is paired with; null before the baseline is judged.
  nlohmann::json incumbent_samples;
  nlohmann::json acceptance = nlohmann::json::object();  ///< stats::AcceptanceWindow
  int kept_since_held_out = 0;  ///< kept experiments since the last held-out check
  /// The baseline's judge score on its samples minus that on the held-out ones: what later
  /// gaps are measured against.
  std::optional<double> held_out_gap;
  /// The highest experiment number planned in this generation (0: the baseline), and those
  /// of them whose latest attempt did not finish (retry_plan.h): finished() of them count.
  int planned = 0;
  std::vector<int> unfinished;
  /// `drafts: auto`: per recent experiment, {drafts that survived, drafts} (draft_count.h).
  std::vector<std::pair<int, int>> draft_survival;

  int finished() const { return planned - static_cast<int>(unfinished.size()); }
  /// Counts an attempt of experiment `id` (> 0) that finished or not.
  void count_attempt(int id, bool did_finish);

  nlohmann::json to_json() const;
  static SearchPosition from_json(const nlohmann::json& j);
};

/// Where one draft starts, and who chose it: the incumbent, a restart from the baseline, or
/// the parent(s) a strategy picked (parent_selection.h).
struct DraftStart {
  std::string parent;
  bool restart = false;
  std::string second_parent;  ///< crossover: the parent to combine with; empty: none
  std::string strategy;       ///< the strategy (auto's arm) that chose
  std::string selection;      ///< why this parent, one line for the ledger
};

/// A node that ninja runs: an edge whose inputs are the outputs of `inputs`.
struct PlannedNode {
  nodes::NodeSpec spec;
  std::vector<cache::Digest> inputs;
  bool exclusive = false;
  std::string description;
  /// A ninja pool bounding how many such nodes run at once (LLM calls per provider); empty:
  /// none. Nodes naming the same pool must give the same depth.
  std::string pool;
  int pool_depth = 0;
};

/// One experiment: the ninja edges (mutate, verify, stage) and the decide node that the
/// build runs itself once they are done.
struct ExperimentPlan {
  int id = 0;
  std::vector<DraftStart> starts;  ///< one per draft (empty for the baseline)
  std::vector<PlannedNode> nodes;  ///< in dependency order
  nodes::NodeSpec decide;
  std::vector<cache::Digest> mutations;  ///< one per draft (empty for the baseline)
  /// Per draft, the indices in `nodes` of its mutation (and the LLM call before it), and of
  /// its evaluation (gates, stages, judge): a surrogate evaluates drafts one at a time.
  std::vector<std::vector<size_t>> mutation_nodes, evaluation_nodes;
  std::vector<cache::Digest> calls;      ///< the nodes that call LLMs (llm and judge nodes)
};


/// The prompt of a draft that starts at `start.parent`.
using PromptFor = std::function<Result<std::string>(const DraftStart& start)>;

/// Digest of everything in a target's configuration that can change its experiments'
/// results (budget.experiments excluded), plus the commits of the targets it needs and the
/// digest of its judge's samples (empty without a judge).
cache::Digest config_digest(const Target& target, const std::vector<std::string>& upstream_commits,
                            const std::string& samples_digest = "");

/// Plans experiment 0: the gates, stages and judge on the baseline commit. A target with a
/// judge needs its `samples`.
Result<ExperimentPlan> plan_baseline(const Target& target, const std::string& baseline,
                                     const JudgeSamples* samples = nullptr);

/// Where each draft of experiment `id` starts: each one independently, with the target's
/// restart_probability (decaying with the annealing temperature), from the baseline.
std::vector<DraftStart> draft_starts(const Target& target, int id, const SearchPosition& position);

/// Whether draft `draft` of experiment `id` restarts from the baseline: with chance
/// restart_probability (decaying with the annealing temperature), never while the incumbent
/// is the baseline. Deterministic in the target's seed, `id` and `draft`.
bool draft_restarts(const Target& target, int id, int draft, const SearchPosition& position);

/// The temperature of `draft` out of `drafts`: spread evenly over temperature × (1 ± spread),
/// cut to the provider's range (llm::temperature_range).
double draft_temperature(const ApiSettings& api, int draft, int drafts);

/// Whether calls of `api` carry a temperature: its `temperature_supported`, else the model
/// table (llm::accepts_temperature).
bool sends_temperature(const ApiSettings& api);

/// `wanted` as a call spec of `api` holds it: null for a model that takes only its default.
nlohmann::json call_temperature(const ApiSettings& api, double wanted);

/// Plans experiment `id` from `position`: per draft a mutation (for api agents preceded by
/// its LLM call, with `prompt_for`'s prompt), gates, stages and judge; then the decide node,
/// which also gets `reference`: what the strategy compares with (strategy_reference()).
/// `agent_override`, when not null, is the mutation's agent spec instead of target.agent's:
/// one draft, no prompt and no call (the carry-over of graph/carry_over.h). `tune_tried`, for
/// a tune agent, is the points it must not propose again (nodes/tune_tried.h); null: none.
Result<ExperimentPlan> plan_experiment(const Target& target, int id, const SearchPosition& position,
                                       const std::vector<DraftStart>& starts, const PromptFor& prompt_for,
                                       const JudgeSamples* samples = nullptr,
                                       const nlohmann::json& reference = nlohmann::json(),
                                       const nlohmann::json* agent_override = nullptr,
                                       const nlohmann::json& tune_tried = nlohmann::json());

/// The same with one prompt for every draft and the draft starts of draft_starts().
Result<ExperimentPlan> plan_experiment(const Target& target, int id, const SearchPosition& position,
                                       const std::string& prompt, const JudgeSamples* samples = nullptr);

/// The decide node of `plan` weighing its candidates against `position` (and `reference`):
/// an experiment run again is decided where the search stands now, not where it stood.
nodes::NodeSpec decide_against(const Target& target, const ExperimentPlan& plan, const SearchPosition& position,
                               const nlohmann::json& reference);

/// A keep_if as node specs hold it: {"op": "<"|"<="|">"|">="|"=="|"!=", "value": X}, or null.
nlohmann::json condition_spec(const std::optional<Condition>& condition);

/// The fields every LLM call spec of `agent` shares (provider, model, endpoint, limits).
nlohmann::json llm_fields(const Agent& agent, const std::string& target);

/// A short digest of each part of what config_digest covers (each key of the target's
/// configuration, "upstream", "samples"), so a changed configuration can say what changed.
nlohmann::json config_parts(const Target& target, const std::vector<std::string>& upstream_commits,
                            const std::string& samples_digest = "");

/// The seed of one draft of one experiment: a non-negative 31-bit number.
uint64_t draft_seed(uint64_t seed, int experiment, int draft);

}  // namespace anneal::graph
