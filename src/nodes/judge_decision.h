#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nodes/node_result.h"
#include "nodes/search.h"
#include "stats/bootstrap.h"
#include "stats/sequential_testing.h"
#include "util/error.h"

namespace anneal::nodes {

// The decide node's "judge" field (graph/judge_plan.h writes it):
//
//   {"criteria": [{"label": "judge.NAME"|"judge.N", "question": Q, "keep_if": {op, value}|null}...],
//    "keep_if": {op, value}|null,       on the judge's score
//    "objective": K|null,               the criterion the objective names; null: the score
//    "test": {"alpha", "window", "zero_method", "correction", "min_effect",
//             "sequential": true, "batch": B, "early_stop": "futility"|"betting", "samples": N}}
//                                    (the last four when sequential; absent early_stop: betting;
//                                    N, the samples there are, is set by graph/sequential_judging.h)

/// One candidate's judge results over its samples.
struct JudgeScores {
  /// sample name → `passed` (0, 0.5, 1) per criterion, in the Annealfile's order
  std::map<std::string, std::vector<double>> samples;
  std::vector<std::string> order;       ///< the sample names in the order they were judged
  std::vector<double> criterion_rates;  ///< mean of `passed` over the samples, per criterion
  double score = 0;                     ///< mean over samples of the fraction of criteria passed
  stats::Interval interval;             ///< 95% bootstrap interval of `score`
  int votes = 0, votes_saved = 0, calls = 0;

  /// The decision's "judge" object: score, interval, criteria with their pass rates, the
  /// samples with failing criteria, per-sample results and the vote counts.
  nlohmann::json to_json(const nlohmann::json& settings) const;
};

/// Gathers the judge node results of one candidate (every one ok). The bootstrap interval is
/// seeded from the digest of the judged contents, so the same candidate gets the same
/// interval on any machine.
Result<JudgeScores> judge_scores(const std::vector<NodeResult>& results, const nlohmann::json& settings);

/// Why the scores fail the judge's keep_if or a criterion's, or "" when they pass.
std::string judge_gate_failure(const JudgeScores& scores, const nlohmann::json& settings);

/// The objective's value for one sample: its fraction of criteria passed, or one criterion's.
double sample_metric(const std::vector<double>& passed, const nlohmann::json& settings);

/// The objective's value for the whole candidate.
double judged_metric(const JudgeScores& scores, const nlohmann::json& settings);

/// The paired comparison of a candidate with the incumbent.
struct JudgeComparison {
  bool accept = false;
  std::string reason;
  nlohmann::json test;        ///< the ledger's record of the test: name, n, statistic, p, level...
  nlohmann::json acceptance;  ///< the multiple-comparison window after this decision
};

/// Pairs the candidate's samples with `incumbent` ({SAMPLE: [passed...]}) and tests whether
/// it is better in `direction`: the one-sided Wilcoxon signed-rank test from six pairs, held
/// to the online Holm level of the window (`acceptance` before, stats/acceptance_rule.h);
/// below six pairs Cohen's d_z against `test.min_effect`. Either way the mean difference must
/// also exceed `min_improvement`. With `test.sequential` (and six samples or more) the test of
/// sequential_verdict decides: with early_stop "futility" the same Wilcoxon test once every
/// sample is in, stopped early as worse (record: name "wilcoxon", predictive_power); with
/// "betting" the betting e-process (name "betting", e_value). The record has
/// "sequential": {"judged", "of", "stop", "batch", "early_stop"}.
Result<JudgeComparison> compare_judged(const JudgeScores& candidate, const nlohmann::json& incumbent,
                                       const nlohmann::json& settings, Direction direction, double min_improvement,
                                       const nlohmann::json& acceptance);

/// Pairs below which the Wilcoxon test gives way to Cohen's d_z.
inline constexpr size_t k_min_wilcoxon_pairs = 6;

/// Whether the settings ask for the sequential test and there are enough samples for it
/// (`samples`: how many there are; fewer than k_min_wilcoxon_pairs take Cohen's d_z).
bool sequential_test(const nlohmann::json& settings, size_t samples);

/// The futility level of the sequential test: a candidate is stopped as worse when the
/// e-process betting against it reaches 1 / this.
inline constexpr double k_sequential_futility = 0.05;

/// The futility level of `early_stop: futility` (stats/predictive_futility.h): a candidate is
/// stopped as worse when the chance that the fixed-n test keeps it falls below this, which
/// bounds the power the stops cost (averaged over the model's prior) by it.
inline constexpr double k_predictive_futility = 0.01;

/// The sequential test (stats/predictive_futility.h or stats/sequential_testing.h, as
/// test.early_stop says) of a candidate judged so far: its
/// differences from `incumbent`, in the order judged, against the online Holm level of the
/// window (`acceptance` before), out of `test.samples` (else the samples judged). What
/// graph/sequential_judging.h asks after every batch and compare_judged decides with.
Result<stats::SequentialVerdict> sequential_verdict(const JudgeScores& candidate, const nlohmann::json& incumbent,
                                                    const nlohmann::json& settings, Direction direction,
                                                    double min_improvement, const nlohmann::json& acceptance);

}  // namespace anneal::nodes
