// cli: the `anneal` command line — commands, options, output and progress.
#pragma once

#include "util/error.h"

namespace anneal::cli {

/// Parses the command line, runs the command and returns the exit status: 0 done, 1 a
/// failure in the user's commands or configuration, 2 usage.
int run_main(int argc, char** argv);

/// A command's exit status: its own, or 1 after printing its error on stderr the way anneal
/// prints errors ("anneal: error: …", or the diagnostic as it is when it names its place).
int report_result(const Result<int>& result);

}  // namespace anneal::cli
