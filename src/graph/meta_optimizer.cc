#include "graph/meta_optimizer.h"

namespace anneal::graph {

Result<void> MetaOptimizer::prepare(int id, SearchPosition& position, [[maybe_unused]] git::Repository& repo,
                                    const CallHooks& hooks) {
  auto policy = m_policy.prepare(id, m_ws.store(), hooks);
  if (!policy)
    return std::unexpected(policy.error());
  position.spent_usd += *policy;
  return {};
}

void MetaOptimizer::fill(PromptInput& input) const {
  input.policy = m_policy.text();
  input.policy_label = m_policy.label();
}

}  // namespace anneal::graph
