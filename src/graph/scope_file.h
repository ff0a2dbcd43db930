// The seed's scope.yaml, which a target may name instead of writing its scope inline.
#pragma once

#include <filesystem>

#include "graph/annealfile.h"
#include "util/error.h"

namespace anneal::graph {

// Grammar (YAML, as the seed writes it; version 1, the only one):
//
//   editable:  GLOB | [GLOB, …]   paths the agent may change (besides the artifact)
//   immutable: GLOB | [GLOB, …]   paths it must never change
//   hidden:    GLOB | [GLOB, …]   paths it must not read
//
// Every key is optional; any other key is an error (a misspelt `editible:` would otherwise
// leave the agent free to change everything).

/// Reads `file` (`scope: scope.yaml` in a target, relative to the Annealfile's folder). The
/// error says which file, line and column, and what is wrong; it never throws.
Result<Scope> read_scope_file(const std::filesystem::path& file);

}  // namespace anneal::graph
