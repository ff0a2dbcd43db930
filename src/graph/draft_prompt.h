// The prompt of one draft of an experiment: what every draft is told, plus where this one
// starts (a restart, a crossover's two parents) and, for api agents, the files there.
#pragma once

#include <map>
#include <string>

#include "git/repository.h"
#include "graph/agent_prompt.h"
#include "graph/annealfile.h"
#include "graph/experiment_plan.h"
#include "util/error.h"

namespace anneal::graph {

/// The prompt of draft `start` of experiment `id` (command and api agents). `hypotheses`
/// maps candidate commits to their hypotheses, for a crossover's parents.
Result<std::string> draft_prompt(const Target& target, const git::Repository& repo,
                                 const std::map<std::string, std::string>& hypotheses, const SearchPosition& position,
                                 int id, const DraftStart& start, const PromptInput& shared);

}  // namespace anneal::graph
