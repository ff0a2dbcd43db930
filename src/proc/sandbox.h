// proc: the bubblewrap sandbox a command runs in, and whether bubblewrap works here.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace anneal::proc {

/// Where a sandboxed command may read and write. The layout, in the order bwrap applies it:
///
///   the whole file system read-only   --ro-bind / /
///   fresh /dev, /proc, a private /tmp --dev /dev --proc /proc --tmpfs /tmp
///   `mask` emptied                    --tmpfs MASK   (the user's checkout, for agents)
///   `readable` bound back read-only   --ro-bind-try P P
///   `writable` bound read-write       --bind-try P P (parents before children)
///   `hidden` masked                   --tmpfs DIR, or /dev/null over a FILE
///   `mask` made read-only             --remount-ro MASK
///
/// plus its own PID, IPC and UTS namespaces and session (nothing it starts outlives it, it
/// cannot push keystrokes into the user's terminal), and without `network` its own empty
/// network namespace (loopback only).
struct SandboxOptions {
  std::vector<std::filesystem::path> writable;
  std::vector<std::filesystem::path> readable;
  /// Paths the command must not see (`scope.hidden`): missing ones are skipped.
  std::vector<std::filesystem::path> hidden;
  /// A directory shown empty except for what `readable` and `writable` bring back inside
  /// it; empty = none.
  std::filesystem::path mask;
  bool network = true;
};

/// Whether bubblewrap works on this machine.
struct SandboxProbe {
  bool available = false;
  std::filesystem::path bwrap;  ///< the working bwrap, when available
  std::string reason;           ///< why not, when not available
};

/// The variable that hands a build's probe to the nodes it starts (and that tells a build
/// to treat bubblewrap as unavailable): the path of a working bwrap, or "none: REASON".
inline constexpr const char* k_sandbox_env = "ANNEAL_SANDBOX";

/// Runs bwrap once with the whole layout (`bwrap --ro-bind / / … true`). ANNEAL_SANDBOX
/// set to "none…" answers "unavailable" without probing; with `trust_env`, a path in it is
/// taken as a working bwrap (a node trusts the build that probed).
SandboxProbe probe_sandbox(bool trust_env);

/// probe_sandbox(true), computed once per process.
const SandboxProbe& sandbox_probe();

/// The value of ANNEAL_SANDBOX that hands `probe` on.
std::string sandbox_env_value(const SandboxProbe& probe);

/// The bwrap command line (bwrap and its options, ending in "--") that runs a command
/// with `options`, starting in `cwd`. What follows "--" is the command's argv.
std::vector<std::string> sandbox_argv(const std::filesystem::path& bwrap, const SandboxOptions& options,
                                      const std::filesystem::path& cwd);

}  // namespace anneal::proc
