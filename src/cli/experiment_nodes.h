// cli: the nodes one experiment ran, read from its decide node's spec, for `anneal show` and
// `anneal graph --experiment`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/project.h"
#include "nodes/node_result.h"

namespace anneal::cli {

/// One node of an experiment, as `show` lists them.
struct ExperimentNode {
  std::string key;   ///< hex
  int draft = 0;
  std::string what;  ///< "llm", "mutate", "verify", "stage p50", "judge"
  std::optional<nodes::NodeResult> result;  ///< nullopt: not run (no result stored)
  /// Whether the experiment's build found its result in the cache (the record's "cached");
  /// nullopt: the record is older than that field.
  std::optional<bool> cached;
};

/// The nodes of the experiment whose ledger record is `record`, in the order they run (its
/// decide node, the record's "key", not included); empty when its spec is not stored.
std::vector<ExperimentNode> experiment_nodes(Project& project, const nlohmann::json& record);

}  // namespace anneal::cli
