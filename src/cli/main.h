// cli: the `anneal` command line — commands, options, output and progress.
#pragma once

namespace anneal::cli {

/// Parses the command line, runs the command and returns the exit status: 0 done, 1 a
/// failure in the user's commands or configuration, 2 usage.
int run_main(int argc, char** argv);

}  // namespace anneal::cli
