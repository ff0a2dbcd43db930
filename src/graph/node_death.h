// What anneal keeps of a node process that died of a signal. It stores no result — nothing it
// computed can be trusted, and the next build runs it again — but the build's failure line and
// `anneal show KEY` say which signal killed it and what it printed.
#pragma once

#include <optional>
#include <string>

#include "cache/digest.h"
#include "graph/workspace.h"
#include "util/error.h"

namespace anneal::graph {

// .anneal/specs/XX/<key>.died, next to the node's spec: one JSON object,
//   {"v": 1, "signal": 11, "time": ISO-8601 UTC, "output": the last 64 KiB it printed (redacted)}
// written when `anneal node KEY` dies of a signal, removed when it next starts.

struct NodeDeath {
  int signal = 0;
  std::string time;
  std::string output;
};

Result<void> record_node_death(const Workspace& workspace, const cache::Digest& key, const NodeDeath& death);
/// The node's last death, if its last run died.
std::optional<NodeDeath> node_death(const Workspace& workspace, const cache::Digest& key);
void forget_node_death(const Workspace& workspace, const cache::Digest& key);

}  // namespace anneal::graph
