// graph: which commit a target stands on — it follows HEAD the way make follows its inputs.
#pragma once

#include <optional>
#include <string>

#include "git/repository.h"
#include "graph/annealfile.h"
#include "util/error.h"

namespace anneal::graph {

// What comes from where: the Annealfile is read from the working tree (like a Makefile);
// everything a candidate is built from — the artifact, the evaluator, the tests — comes from
// a commit, the target's baseline. Uncommitted changes to those are not seen.

/// The previous run's best change, to re-apply on the new baseline as the run's first candidate.
struct CarryOver {
  std::string from;  ///< the previous run's baseline
  std::string to;    ///< its incumbent
};

struct BaselineChoice {
  std::string baseline;  ///< the commit the target's run stands on
  /// Why the target moved to a new baseline ("HEAD moved (1a2b3c4d5e6f → 9f8e7d6c5b4a): score.sh
  /// changed"), or "" when it stays where it was.
  std::string moved;
  std::optional<CarryOver> carry;  ///< when moved and the previous run had improved on its baseline
};

/// The baseline of a target without `needs`. `previous` is the baseline of its last run ("":
/// never built) and `incumbent` that run's incumbent. With `baseline: pinned`, or when HEAD's
/// tree differs from `previous` only in paths the target does not read (the Annealfile, which
/// is read from the working tree; with `inputs:`, whatever is not an input, the artifact or an
/// editable path), the baseline stays `previous`; otherwise it is HEAD.
Result<BaselineChoice> choose_baseline(const git::Repository& repo, const Target& target, const std::string& previous,
                                       const std::string& incumbent);

}  // namespace anneal::graph
