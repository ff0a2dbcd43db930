// Checks of api agents' settings against what their providers accept, so a request the
// provider would refuse is an Annealfile error rather than a crashed experiment.
#pragma once

#include <vector>

#include "graph/annealfile.h"
#include "graph/diagnostic.h"

namespace anneal::graph {

/// Every api agent of `file` (named, inline, judges' and their generators'), resolved: a
/// `temperature` outside its provider's range (llm::temperature_range), or set for a model
/// that takes only its default (llm::accepts_temperature, or `temperature_supported: false`).
std::vector<Diagnostic> check_agent_settings(const Annealfile& file);

}  // namespace anneal::graph
