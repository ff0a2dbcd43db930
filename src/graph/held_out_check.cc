#include "graph/held_out_check.h"

#include <fmt/format.h>

namespace anneal::graph {

HeldOutVerdict held_out_verdict(const std::string& target, int id, double held_out, double on_samples,
                                SearchPosition& position) {
  // The gap, in points of the judge's 0-1 score, between the samples the agent sees and
  // those it never sees (absolute: a relative gap means nothing at a weak baseline's scores).
  // The two sets may differ in difficulty from the start, so what counts is how much the gap
  // grew since the baseline: an agent that fits the judge improves only where it is watched.
  double gap = on_samples - held_out;
  HeldOutVerdict verdict;
  verdict.check = {{"score", held_out}, {"samples_score", on_samples}, {"gap", gap}};
  if (id == 0) {
    position.held_out_gap = gap;
    return verdict;
  }
  double divergence = gap - position.held_out_gap.value_or(0);
  verdict.check["divergence"] = divergence;
  position.kept_since_held_out = 0;
  std::string figures = fmt::format("held-out score {:.3f} vs {:.3f} on the samples: the gap grew by {:.2f} "
                                    "since the baseline",
                                    held_out, on_samples, divergence);
  if (divergence > 0.25) {
    verdict.check["paused"] = true;
    verdict.pause = fmt::format("{}: paused after #{}: {} (over 0.25); the agent may be fitting the judge rather than "
                                "improving the artifact (an overfit or compromised evaluator). Review the kept "
                                "candidates (anneal history {}), then run anneal build again to go on",
                                target, id, figures, target);
  } else if (divergence > 0.10) {
    verdict.check["warning"] = true;
    verdict.warning = fmt::format("{}: warning after #{}: {} (over 0.10)", target, id, figures);
  }
  return verdict;
}

}  // namespace anneal::graph
