// Reading a target's `deploy:` tiers into the model.
#pragma once

#include <vector>

#include <yaml-cpp/yaml.h>

#include "graph/annealfile.h"
#include "graph/annealfile_yaml.h"
#include "graph/diagnostic.h"

namespace anneal::graph {

/// The tiers of the `deploy:` list at `path` of a schema-valid tree, in order (none when it is
/// absent). What the schema cannot say — a name used twice, a name `--tier` could not spell, an
/// empty command, a bad timeout — goes to `errors`, at the offending value.
std::vector<DeployTier> read_deploy_tiers(const YAML::Node& root, const YamlPath& path,
                                          std::vector<Diagnostic>& errors);

}  // namespace anneal::graph
