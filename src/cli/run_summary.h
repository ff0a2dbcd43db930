// cli: what `anneal report` says about one target's current run — its experiments, the kept
// steps from the baseline to the best, the evidence of each, the best candidate's diff and the
// cost — read from the ledger and the repository.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/experiment_table.h"
#include "cli/project.h"
#include "graph/annealfile.h"
#include "util/error.h"

namespace anneal::cli {

struct RunSummary {
  std::string target;
  std::string metric;     ///< the objective's metric
  bool minimize = false;
  std::vector<nlohmann::json> records;  ///< the current run, each experiment's latest attempt
  std::optional<double> baseline_score;
  std::optional<double> best_score;
  std::string baseline_commit;
  std::string best_commit;  ///< empty when nothing beat the baseline yet (then the baseline)
  /// The baseline, then each kept experiment on the way to the best, oldest first (indices
  /// into `records`).
  std::vector<size_t> steps;
  ExperimentTable step_table;  ///< experiment_table of the steps
  ExperimentTable all_table;   ///< experiment_table of every record
  /// How many experiments ended each way: baseline, kept, discarded, rejected, blocked,
  /// unchanged, duplicate, crashed, then any other, leaving out those with none.
  std::vector<std::pair<std::string, int>> outcomes;
  double cost_usd = 0;       ///< what the run's experiments cost (LLM calls paid)
  double duration_s = 0;     ///< their durations added up
  std::string patch;         ///< the baseline-to-best diff; empty when they are the same
};

/// The summary of `target`'s current run; an empty ledger gives one with no records.
Result<RunSummary> summarize_run(Project& project, const graph::Target& target);

/// A kept step's evidence on one line: the decision's reason, then the judge's test (its
/// statistic; its name, p-value and level too when the reason does not name it) and the
/// score's interval where there was one.
std::string step_evidence(const nlohmann::json& record);

/// The best score as a change from the baseline ("-19.2%"), empty when either is missing or
/// the baseline is 0.
std::string change_text(std::optional<double> from, std::optional<double> to);

}  // namespace anneal::cli
