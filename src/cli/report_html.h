// cli: `anneal report`'s HTML: one self-contained file (inline CSS and SVG, no script, no
// fetch) that opens from a CI artifact.
#pragma once

#include <string>
#include <vector>

#include "cli/run_summary.h"

namespace anneal::cli {

/// The page: per target a summary line, the outcome counts, the score chart, the table of
/// kept steps from the baseline to the best (each step's change and evidence), the best
/// candidate's diff and, folded, every experiment.
std::string report_html(const std::vector<RunSummary>& runs);

}  // namespace anneal::cli
