#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/experiment_plan.h"

namespace anneal::graph {

/// The prompt a command agent finds in ANNEAL_PROMPT_FILE: the target, its objective and
/// scope, the scores so far, the instructions file and what recent experiments tried and
/// how they ended (including scope violations and failing checks), so the agent does not
/// repeat itself. `recent` are ledger records, oldest first.
std::string agent_prompt(const Target& target, int experiment, const SearchPosition& position,
                         const std::vector<nlohmann::json>& recent,
                         const std::optional<std::string>& instructions);

}  // namespace anneal::graph
