// cli: the score trajectory of a run as an inline SVG chart (no script: hovering a point
// shows its <title> in any browser), for `anneal report`.
#pragma once

#include <string>

#include "cli/run_summary.h"

namespace anneal::cli {

/// An <svg> element: every scored experiment a circle coloured by its outcome (class
/// "point OUTCOME", its <title> "#N outcome score: hypothesis"), each experiment without a
/// score a cross on the axis (a score beyond three interquartile ranges sits on the edge,
/// class "clipped"), the best-so-far as a step line, the baseline as a dashed line.
std::string score_chart_svg(const RunSummary& run);

}  // namespace anneal::cli
