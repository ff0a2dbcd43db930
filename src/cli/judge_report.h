#pragma once

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/ledger.h"
#include "nodes/node_result.h"
#include "util/error.h"

namespace anneal::cli {

/// What `anneal status` says about a judged target: its latest held-out check and the drift
/// of its scores over the latest experiments, {"held_out": {...}|null, "drift": {...}|null}.
Result<nlohmann::json> judge_status(const graph::Ledger& ledger);

/// The status lines for judge_status's result (none when there is nothing to say).
void print_judge_status(const nlohmann::json& status);

/// An experiment's judge results, for `anneal show`: score with its interval, the criteria's
/// pass rates, the samples that fail, the votes and the test that decided.
void print_judge_record(const nlohmann::json& record);

/// A judge node's tallies, for `anneal show KEY`.
void print_judgement(const nodes::NodeResult& result);

}  // namespace anneal::cli
