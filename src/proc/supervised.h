// Running part of this program in a child process to see how it ends: a process killed by a
// signal cannot say so itself, so `anneal node` does its work in a child and reports for it.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "util/error.h"

namespace anneal::proc {

/// How the child ended.
struct ChildEnd {
  int exit_code = -1;  ///< valid when signal == 0
  int signal = 0;      ///< the signal that killed it, if one did
  std::string output;  ///< the last bytes it printed (stdout and stderr, interleaved)
};

/// Forks; the child runs `body` with its stdout and stderr on a pipe and exits with what it
/// returns. Meanwhile this process relays what the child prints to its own stderr, keeping the
/// last `keep` bytes, and waits for it. An interrupt (proc::interrupted()) is passed on to the
/// child as SIGTERM; the child gets SIGTERM too if this process dies. Call it before any thread
/// is started, with stdio flushed.
Result<ChildEnd> run_in_child(const std::function<int()>& body, size_t keep = 64 * 1024);

}  // namespace anneal::proc
