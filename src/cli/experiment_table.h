// cli: a target's experiments as a table, one column per tune parameter and per metric (as
// `dvc exp show` lays them out), for `anneal history` (text, CSV) and `anneal report`.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/project.h"
#include "graph/annealfile.h"

namespace anneal::cli {

struct TableColumn {
  enum class Kind { Run, Id, Outcome, Param, Metric, Score, Cost, Duration, Commit, Hypothesis };
  Kind kind;
  std::string header;  ///< as the text table and the report title it ("exp", "cost $")
  std::string key;     ///< as CSV titles it ("id", "cost_usd"); a parameter's or metric's name
  bool numeric() const { return kind != Kind::Outcome && kind != Kind::Commit && kind != Kind::Hypothesis; }
};

struct ExperimentTable {
  std::vector<TableColumn> columns;
  /// One row per record, a cell per column: a number, a string or null (absent). Commits are
  /// whole; the hypothesis cell is the record's hypothesis as written, with what went wrong for
  /// an experiment that was not evaluated and how many attempts it took when more than one.
  std::vector<std::vector<nlohmann::json>> rows;
  /// Per row, what changed in what the agent is told from that experiment on (a new policy
  /// version, a rollback), printed on a line of its own above the row; "" for none.
  std::vector<std::string> markers;
};

/// The table of `records` (ledger records of `target`, in the order given; each a latest
/// attempt, with "attempts"). Columns: the run (with `run_column`: each record's "run"), the
/// experiment number, the outcome, each tune parameter (its value at the candidate's commit),
/// each metric the records score (the target's stages in the Annealfile's order, then judge
/// criteria; the objective's own metric is the score column), the score, the cost, the
/// duration, the commit and the hypothesis.
ExperimentTable experiment_table(Project& project, const graph::Target& target,
                                 const std::vector<nlohmann::json>& records, bool run_column);

/// The table as text: a header line, then a line per row; every column as wide as its widest
/// cell, numbers right-aligned, commits shortened to 10 digits, hypotheses on one line and cut
/// to fit `line_width` columns (a terminal's width; at least 20 are left to them), or to 72
/// columns when `line_width` is 0.
std::string table_text(const ExperimentTable& table, size_t line_width);

/// The table as CSV (RFC 4180 quoting, "\n" line ends, a header line of the columns' keys):
/// every value whole, numbers as they round-trip.
std::string table_csv(const ExperimentTable& table);

/// One cell as the text table and the report print it ("-" for an absent value).
std::string cell_text(const TableColumn& column, const nlohmann::json& cell);

}  // namespace anneal::cli
