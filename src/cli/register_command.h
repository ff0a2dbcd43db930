// `anneal register`: the seed's command line for adding a target, written into the Annealfile.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "util/error.h"

namespace anneal::cli {

/// The seed's flags (its README), and a few of anneal's own for what the seed configured elsewhere.
struct RegisterArgs {
  std::string name;
  std::vector<std::string> artifacts;
  std::string eval_mode = "deterministic";  ///< deterministic: a stage; stochastic: a judge
  std::string run_cmd;                      ///< the stage's command, or what the judge reads
  std::string parse_cmd;
  std::string direction = "maximize";
  std::string scope;                   ///< a scope file (the seed's scope.yaml)
  std::vector<std::string> verifiers;  ///< NAME:CMD
  std::optional<double> restart_probability;
  std::optional<int> drafts;
  std::string policy_model;
  // anneal's own
  std::string agent;      ///< a name under `agents:`
  std::string agent_cmd;  ///< an inline command agent
  std::string metric = "score";
  std::vector<std::string> criteria;
  std::string samples;
  std::string judge_agent;
  bool dry_run = false;
};

/// Adds `register` and its flags to `app`.
CLI::App* add_register_command(CLI::App& app, RegisterArgs& args);

/// Appends the target to the Annealfile as text (the rest stays as written), after checking
/// that the file would still load; prints what it added.
Result<int> run_register(const RegisterArgs& args);

}  // namespace anneal::cli
