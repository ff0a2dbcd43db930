// Where background builds (`anneal build --detach`) write what they print, and how a reader
// (`anneal logs`, `anneal status`) finds the newest one and tells whether it still runs.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/workspace.h"
#include "util/error.h"

namespace anneal::cli {

// .anneal/logs/ holds three files per background build, named after the UTC second it was
// started ("20261206T210512Z", then "-2", "-3", … for more in the same second):
//
//   build-<time>.log    what the build printed, stdout and stderr as they came
//   build-<time>.json   who it is, version 1, rewritten whole:
//                       {"v": 1, "pid": N, "host": H, "started": ISO-8601 UTC,
//                        "targets": [names, in build order],
//                        "exit": status, "ended": ISO-8601 UTC}   (these two once it ended)
//   build-<time>.lock   held by the build for as long as it runs (proc/lock_file.h), so a
//                       build killed with -9 is not taken for a running one
//
// A build that failed before it started leaves nothing: the command that detached it has
// printed its output and removed the files.

/// The files of one background build.
struct BuildLog {
  std::filesystem::path log;  ///< build-<time>.log
  std::filesystem::path meta() const;
  std::filesystem::path lock() const;
  /// Reads the .json; an empty object when it is missing or unreadable.
  nlohmann::json read_meta() const;
  Result<void> write_meta(const nlohmann::json& meta) const;
  /// Whether its build's process still runs (holds the lock).
  bool running() const;
  /// Removes the three files.
  void remove() const;
};

/// Creates a new, empty build-<time>.log under .anneal/logs/ (never one that exists).
Result<BuildLog> create_build_log(const graph::Workspace& workspace);

/// The background builds whose .json is there, newest first.
std::vector<BuildLog> build_logs(const graph::Workspace& workspace);

/// The newest background build; with `target`, the newest that builds it.
std::optional<BuildLog> newest_build_log(const graph::Workspace& workspace, const std::string& target = "");

}  // namespace anneal::cli
