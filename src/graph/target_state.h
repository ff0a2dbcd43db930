#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/baseline_choice.h"
#include "graph/experiment_plan.h"
#include "graph/judge_samples.h"
#include "graph/ledger.h"
#include "graph/workspace.h"

namespace anneal::graph {

/// Whether a target has work to do, and why — what `build`, `build -n`, `status` and
/// `explain` all start from. Reads only the end of the ledger, so it costs the same for 10
/// or 10,000 past experiments.
struct TargetState {
  enum class Kind {
    New,       ///< never built: the baseline comes first
    Replay,    ///< the configuration changed: replay from the baseline, reusing the cache
    Resume,    ///< same configuration, fewer experiments than the budget
    UpToDate,  ///< nothing to do
  };
  Kind kind = Kind::New;
  std::string reason;       ///< one line for the user
  cache::Digest digest;     ///< the current configuration's digest
  nlohmann::json parts;     ///< config_parts: what the digest is made of, part by part
  std::string baseline;     ///< the baseline commit the next generation starts from
  std::string moved;        ///< why the baseline is HEAD now and not the last run's, or ""
  std::optional<CarryOver> carry;  ///< the last run's best change, to try first on the new baseline
  int next_id = 0;          ///< the next new experiment to run
  int budget = 0;
  int finished = 0;         ///< experiments of this generation that finished (budget counts these)
  std::vector<int> unfinished;  ///< those whose latest attempt did not finish: run again first
  std::optional<nlohmann::json> last;  ///< the last ledger record, if any
  std::optional<JudgeSamples> samples;  ///< the judge's samples, when the target has a judge
};

/// Inspects `target` against its ledger. `budget` overrides budget.experiments when set;
/// `more` > 0 (--more N) makes the budget the experiments the current run has done plus N.
Result<TargetState> inspect_target(Workspace& workspace, const Annealfile& annealfile,
                                   const Target& target, std::optional<int> budget, int more = 0);

/// The best commit of a target that has been built, for targets that need it.
Result<std::string> best_commit(Workspace& workspace, const Target& target);

}  // namespace anneal::graph
