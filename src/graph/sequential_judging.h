// Judging in batches (judge.test.sequential): a candidate's samples are judged a batch at a
// time, and after each batch the sequential test (nodes/judge_decision.h; judge.test.early_stop:
// stats/predictive_futility.h by default, stats/sequential_testing.h for "betting") says
// whether it is already worse or unable to win (or, betting, already better), or whether to
// judge the next batch. Most candidates are worse, and for them most of the judge calls of a
// fixed-n test are never made.
//
// The samples are judged in an order fixed before any is judged: sorted by a digest of their
// names (so neither their file names nor the data choose the order), the same for every
// candidate. Each sample stays its own judge node with its own key, so a later run with more
// samples, or the next candidate, finds the earlier batches in the cache.
//
// A candidate kept early (betting only) was judged on only some samples, and it is the
// incumbent the next candidate is paired with: the incumbent is judged on the samples it
// lacks as the next candidate reaches them (its judge calls are content-keyed, so a sample is never judged
// twice for the same text).
#pragma once

#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/local_store.h"
#include "graph/annealfile.h"
#include "graph/experiment_plan.h"
#include "graph/judge_samples.h"
#include "util/error.h"

namespace anneal::graph {

/// Whether experiment `plan` of `target` is judged in batches: a judged objective with
/// judge.test.sequential, at least six samples, and not the baseline (which is judged whole).
bool judges_in_batches(const Target& target, const ExperimentPlan& plan, const JudgeSamples* samples);

/// `samples` in the order the sequential test judges them.
std::vector<JudgeSample> judging_order(const std::vector<JudgeSample>& samples);

/// Runs `plan`'s nodes with `run` (through ninja): every node but the judge's, with the first
/// batch of samples, then batch after batch for each draft the test has not stopped, with
/// the incumbent judged on the samples of each batch it lacks. Rewrites `plan.decide` so that
/// its drafts list the judge nodes that ran, in the order judged, its incumbent samples are
/// `position`'s with those judged now, and the test knows how many samples there are.
/// Returns the incumbent's samples ({SAMPLE: [passed...]}) with the ones judged now.
Result<nlohmann::json> judge_in_batches(ExperimentPlan& plan, const Target& target, const SearchPosition& position,
                                        const JudgeSamples& samples, const cache::LocalStore& store,
                                        const std::function<Result<void>(const std::vector<PlannedNode>&)>& run);

}  // namespace anneal::graph
