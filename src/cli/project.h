#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "graph/annealfile.h"
#include "graph/ledger.h"
#include "graph/workspace.h"
#include "util/error.h"

namespace anneal::cli {

/// The repository of the current directory and its Annealfile.
struct Project {
  graph::Workspace workspace;
  graph::Annealfile annealfile;
};

/// The Annealfile to read: the current directory's, else the one at the top of the repository.
std::filesystem::path annealfile_path(const graph::Workspace& workspace);

/// Reads the Annealfile of `workspace`. Diagnostics get a caret when stderr is a terminal.
Result<Project> open_project(graph::Workspace workspace);

/// Finds the repository of the current directory and reads its Annealfile.
Result<Project> open_project();

/// The target called `name`; an unknown name fails with the list of known targets.
Result<const graph::Target*> find_target(const graph::Annealfile& annealfile, const std::string& name);

/// The ledger of the target called `name` (which must be in the Annealfile).
Result<graph::Ledger> open_ledger(Project& project, const std::string& name);

/// The records of that ledger's current run (graph::Ledger::generation), oldest first.
Result<std::vector<nlohmann::json>> current_run(Project& project, const std::string& name);

/// The targets named (all when `names` is empty), each after the targets it needs.
/// Unknown names fail with the list of known targets.
Result<std::vector<const graph::Target*>> select_targets(const graph::Annealfile& annealfile,
                                                         const std::vector<std::string>& names,
                                                         bool with_needs);

}  // namespace anneal::cli
