// The git refs an experiment leaves: refs/anneal/<target>/{baseline,current,<id>.<draft>}
// and the branch anneal/<target> at the best commit.
#pragma once

#include <string>

#include "git/repository.h"
#include "graph/annealfile.h"
#include "graph/experiment_plan.h"
#include "nodes/node.h"
#include "util/error.h"

namespace anneal::graph {

/// Points the refs at where experiment `plan` left the search (`position`, after it): every
/// candidate, kept or not, keeps a ref so it stays in the repository (its commit is made from
/// the cached mutation if it is not there yet).
Result<void> update_experiment_refs(git::Repository& repo, nodes::NodeContext& context, const Target& target,
                                    const ExperimentPlan& plan, const SearchPosition& position,
                                    const std::string& baseline);

}  // namespace anneal::graph
