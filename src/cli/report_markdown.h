// cli: `anneal report --markdown`: a pull-request comment (GitHub-flavoured Markdown).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cli/run_summary.h"

namespace anneal::cli {

/// Diffs past this many bytes are cut in the comment (GitHub refuses comments over 65536
/// characters); the HTML report has them whole.
inline constexpr size_t k_markdown_diff_limit = 40000;

/// Per target: the summary line (baseline → best, change, experiments by outcome, cost), the
/// table of kept steps from the baseline to the best with each step's change and evidence,
/// and the best candidate's diff.
std::string report_markdown(const std::vector<RunSummary>& runs);

}  // namespace anneal::cli
