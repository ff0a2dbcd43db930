#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/experiment_plan.h"
#include "graph/judge_samples.h"

namespace anneal::graph {

/// The judge nodes of one candidate (nodes/judge_node.h): one per sample of `set`
/// ("samples" or "held_out"), each after the candidate's gates and stages (`after`), in the
/// judge agent's LLM pool. `where` names the candidate in descriptions ("t#3.0").
std::vector<PlannedNode> plan_judge_nodes(const Target& target, const nlohmann::json& candidate,
                                          const std::vector<cache::Digest>& after, const std::string& set,
                                          const std::vector<JudgeSample>& samples, const std::string& where);

/// The decide node's "judge" field: criteria names and gates, the judge's keep_if, the
/// criterion the objective names (or null for the judge's score) and the test settings.
nlohmann::json judge_decide_fields(const Target& target);

/// A warning when a judged objective can never keep a candidate: with `samples` pairs the
/// exact one-sided Wilcoxon test cannot reach the window's first level (alpha / window).
/// Empty when it can, or when the objective is not the judge's.
std::string judge_power_warning(const Target& target, size_t samples);

/// How a criterion is called in scores and reports: its name, else its 1-based position.
std::string criterion_label(const Judge& judge, size_t index);

}  // namespace anneal::graph
