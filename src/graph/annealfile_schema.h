// Validation of an Annealfile's YAML tree against annealfile.schema.yaml (JSON Schema
// draft-07, embedded at build time by cmake/embed_schema.cmake).
#pragma once

#include <vector>

#include <yaml-cpp/yaml.h>

#include "graph/diagnostic.h"
#include "util/error.h"

namespace anneal::graph {

/// The text of annealfile.schema.yaml, as built into the binary.
extern const char* const k_annealfile_schema;

/// Checks `root` (a parsed Annealfile) against the built-in schema. Each problem is reported
/// once, at the line and column of the offending key or value, in words a user acts on:
/// "unknown field 'stagse' in target 'api' (did you mean 'stages'?)", "'direction' must be one
/// of maximize, minimize", "missing required field 'agent' in target 'api'". Empty: valid.
std::vector<Diagnostic> validate_annealfile_schema(const YAML::Node& root);

/// Parses the built-in schema (done once, on first use); fails with the reason when the
/// schema is not valid YAML or not a schema valijson understands.
Result<void> check_annealfile_schema();

}  // namespace anneal::graph
