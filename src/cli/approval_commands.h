// `anneal approve` and `anneal reject`: a person's decision on a deployment tier that waits
// (graph/deployment.h), recorded in the ledger with who made it.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "util/error.h"

namespace anneal::cli {

struct ApprovalArgs {
  std::string target;
  std::string key;   ///< a key or commit prefix; empty: the newest candidate waiting
  std::string tier;  ///< empty: the tier the candidate waits at
};

struct ApprovalCommands {
  CLI::App* approve = nullptr;
  CLI::App* reject = nullptr;
};

/// Adds `approve` and `reject` and their arguments to `app`; both fill `args`.
ApprovalCommands add_approval_commands(CLI::App& app, ApprovalArgs& args);

/// Approves (and runs the tier's command, and the tiers after it up to the next that waits)
/// or rejects; 1 when an approved tier's command failed.
Result<int> run_approval(const ApprovalArgs& args, bool approve);

}  // namespace anneal::cli
