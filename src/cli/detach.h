// `anneal build --detach`: the build as a daemon, and the channel on which it tells the
// command that started it that it has started, or how it ended before it could.
#pragma once

#include <string>
#include <vector>

#include "cli/build_log.h"
#include "cli/commands.h"
#include "graph/annealfile.h"
#include "graph/workspace.h"
#include "util/error.h"

namespace anneal::cli {

// The channel is a socket pair; the daemon writes one line on it:
//   "started <pid>\n"   it holds the lock of one of its targets (`anneal status` and
//                       `anneal stop` see it from now on)
//   "exit <status>\n"   it ended before that (an error, or nothing to do); its output is in
//                       the log, which the command prints and removes once the channel
//                       closes, as the daemon's process ends
// End of file without a line: the daemon died before it started.

/// The daemon's end of the channel, given to the build through BuildArgs::daemon.
class DaemonChannel {
 public:
  DaemonChannel(int fd, BuildLog log);
  ~DaemonChannel();
  DaemonChannel(const DaemonChannel&) = delete;
  DaemonChannel& operator=(const DaemonChannel&) = delete;

  /// Before the first target: fails when one of `targets` is being built by another process
  /// (a background build does not wait behind it); records the targets in the log's .json.
  Result<void> claim(graph::Workspace& workspace, const std::vector<const graph::Target*>& targets);
  /// As the build's nodes or experiments run: once the build holds one of its targets'
  /// locks, tells the command that it has started. (Not earlier, on a note: until its first
  /// nodes run, the build may still drop a stop file as one meant for an earlier build.)
  void poke();
  /// The build ended with `status`: records it in the .json and, if the command still
  /// waits, tells it.
  void finish(int status);
  const BuildLog& log() const { return m_log; }

 private:
  void send(const std::string& line);

  int m_fd = -1;
  BuildLog m_log;
  nlohmann::json m_meta;
  std::vector<std::filesystem::path> m_locks;  ///< of the targets it builds
  bool m_started = false;
};

/// `anneal build --detach`: starts the build as a daemon (its own session, stdin from
/// /dev/null, stdout and stderr to .anneal/logs/build-<time>.log), waits until it has
/// started, says where its output goes and returns 0. A build that fails before it starts
/// (a bad Annealfile, an unknown target, a target being built) fails this command with the
/// build's own message and status.
Result<int> run_detached(const BuildArgs& args);

}  // namespace anneal::cli
