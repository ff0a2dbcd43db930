#include "graph/node_batch.h"

#include "graph/failed_node.h"
#include "graph/ninja_file.h"
#include "nodes/node.h"

namespace anneal::graph {

Result<bool> run_batch(Workspace& workspace, NodeBatch batch, const std::vector<PlannedNode>& nodes,
                       const BatchOptions& options) {
  for (const auto& node : nodes) {
    if (options.ninja.fresh)
      std::filesystem::remove(workspace.store().action_path(node.spec.key));
    if (auto saved = workspace.save_spec(node.spec); !saved)
      return std::unexpected(saved.error());
    if (!nodes::cached_result(workspace.store(), node.spec.key))
      batch.nodes.push_back(node);
  }
  if (batch.nodes.empty())
    return false;
  std::string ninja = render_ninja(batch.nodes, workspace.store(), workspace.anneal_dir(), options.anneal_exe, options.place);
  if (auto written = write_if_changed(workspace.ninja_path(), ninja); !written)
    return std::unexpected(written.error());
  NinjaOptions run = options.ninja;
  if (options.watch) {
    options.watch(batch, BatchPhase::Starting);
    run.while_running = [&]() { options.watch(batch, BatchPhase::Running); };
  }
  auto ran = run_ninja(run);
  if (options.watch)
    options.watch(batch, BatchPhase::Ended);
  if (!ran)
    return fail(explain_node_failures(workspace, batch.nodes, ran.error().message));
  return true;
}

}  // namespace anneal::graph
