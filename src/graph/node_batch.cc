#include "graph/node_batch.h"

#include <algorithm>
#include <iterator>

#include "graph/failed_node.h"
#include "graph/ninja_file.h"
#include "graph/ninja_jobs.h"
#include "nodes/node.h"
#include "util/file.h"

namespace anneal::graph {

void BatchUse::add(const std::vector<PlannedNode>& nodes, const std::vector<cache::Digest>& sent) {
  for (const auto& node : nodes)
    m_used.insert(node.spec.key.hex());
  for (const auto& key : sent)
    m_sent.insert(key.hex());
}

std::vector<std::string> BatchUse::cached() const {
  std::vector<std::string> out;
  std::set_difference(m_used.begin(), m_used.end(), m_sent.begin(), m_sent.end(), std::back_inserter(out));
  return out;
}

Result<std::vector<cache::Digest>> run_batch(Workspace& workspace, NodeBatch batch, const std::vector<PlannedNode>& nodes,
                       const BatchOptions& options) {
  for (const auto& node : nodes) {
    if (options.ninja.fresh)
      std::filesystem::remove(workspace.store().action_path(node.spec.key));
    if (auto saved = workspace.save_spec(node.spec); !saved)
      return std::unexpected(saved.error());
    if (!nodes::cached_result(workspace.store(), node.spec.key))
      batch.nodes.push_back(node);
  }
  std::vector<cache::Digest> sent;
  for (const auto& node : batch.nodes)
    sent.push_back(node.spec.key);
  if (batch.nodes.empty())
    return sent;
  const std::filesystem::path& dir = options.ninja.dir;
  if (auto made = make_dirs(dir); !made)
    return std::unexpected(made.error());
  // -j bounds the user's commands; the LLM pools come on top (graph/ninja_jobs.h).
  int command_jobs = options.ninja.jobs > 0 ? options.ninja.jobs : ninja_default_jobs();
  std::string ninja = render_ninja(batch.nodes, workspace.store(), dir, options.anneal_exe, options.place,
                                   command_jobs);
  if (auto written = write_if_changed(dir / "build.ninja", ninja); !written)
    return std::unexpected(written.error());
  NinjaOptions run = options.ninja;
  if (!node_pools(batch.nodes).empty())
    run.jobs = ninja_jobs(batch.nodes, command_jobs);
  if (options.watch) {
    options.watch(batch, BatchPhase::Starting);
    run.while_running = [&]() { options.watch(batch, BatchPhase::Running); };
  }
  auto ran = run_ninja(run);
  if (options.watch)
    options.watch(batch, BatchPhase::Ended);
  if (!ran)
    return fail(explain_node_failures(workspace, batch.nodes, ran.error().message));
  return sent;
}

}  // namespace anneal::graph
