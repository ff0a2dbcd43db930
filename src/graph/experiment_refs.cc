#include "graph/experiment_refs.h"

#include <fmt/format.h>

#include "nodes/candidate.h"

namespace anneal::graph {

Result<void> update_experiment_refs(git::Repository& repo, nodes::NodeContext& context, const Target& target,
                                    const ExperimentPlan& plan, const SearchPosition& position,
                                    const std::string& baseline) {
  auto ref = [&](const std::string& leaf) { return fmt::format("refs/anneal/{}/{}", target.name, leaf); };
  std::string log = fmt::format("anneal: {} experiment {}", target.name, plan.id);
  if (plan.id == 0)
    if (auto r = repo.set_ref(ref("baseline"), baseline, log); !r)
      return r;
  for (size_t draft = 0; draft < plan.mutations.size(); ++draft) {
    auto mutation = nodes::cached_result(*context.store, plan.mutations[draft]);
    if (!mutation || !mutation->ok())
      continue;
    if (auto made = nodes::ensure_commit(context, *mutation); !made)
      return made;
    if (auto r = repo.set_ref(ref(fmt::format("{}.{}", plan.id, draft)), mutation->commit, log); !r)
      return r;
  }
  if (auto r = repo.set_ref(ref("current"), position.incumbent, log); !r)
    return r;
  return repo.set_ref(fmt::format("refs/heads/anneal/{}", target.name), position.best, log);
}

}  // namespace anneal::graph
