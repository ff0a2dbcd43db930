// The Annealfile reader's steps after schema validation: building the model, then checking
// what a schema cannot (references between entries, cycles, value grammars).
#pragma once

#include <vector>

#include <yaml-cpp/yaml.h>

#include "graph/annealfile.h"
#include "graph/diagnostic.h"

namespace anneal::graph {

/// Fills `out` from `root`, which passed the schema: defaults, durations, keep_if conditions,
/// tune params, target names. Named agents are left for check_annealfile to resolve.
std::vector<Diagnostic> build_annealfile(const YAML::Node& root, Annealfile& out);

/// Resolves agent names (copying the named agent into each target and judge), checks
/// metrics, `needs` (unknown names, cycles), duplicate stage and gate names, and fills each
/// Target::config.
std::vector<Diagnostic> check_annealfile(const YAML::Node& root, Annealfile& file);

}  // namespace anneal::graph
