// cli: the values of a target's tune parameters in an experiment's candidate, read from its
// commit, for `anneal history`, `diff` and `report`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/project.h"
#include "graph/annealfile.h"

namespace anneal::cli {

/// The column names of `target`'s tune parameters, in the Annealfile's order: each one's name
/// in hypotheses ("threads"), made unique with its file ("a.ini:threads") where two share one;
/// empty for a target whose agent is not the tuner.
std::vector<std::string> param_names(const graph::Target& target);

/// Reads parameter values from candidates' commits, each file once per commit.
class ParamReader {
 public:
  ParamReader(Project& project, const graph::Target& target) : m_project(project), m_target(target) {}
  /// Each parameter's value in the candidate of `record` (a ledger record), in param_names'
  /// order; nullopt where the record has no commit or the pattern does not match there.
  std::vector<std::optional<double>> values(const nlohmann::json& record);

 private:
  Project& m_project;
  const graph::Target& m_target;
};

}  // namespace anneal::cli
