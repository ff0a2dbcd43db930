// Reading `notify:` (the Annealfile's and a target's) into the model.
#pragma once

#include <vector>

#include <yaml-cpp/yaml.h>

#include "graph/annealfile.h"
#include "graph/annealfile_yaml.h"
#include "graph/diagnostic.h"

namespace anneal::graph {

/// The rules of the `notify:` list at `path` of a schema-valid tree (none when it is absent).
/// What the schema cannot say — a rule with both or neither of `run` and `url`, a URL that is
/// not http(s) — goes to `errors`.
std::vector<NotifyRule> read_notify_rules(const YAML::Node& root, const YamlPath& path,
                                          std::vector<Diagnostic>& errors);

}  // namespace anneal::graph
