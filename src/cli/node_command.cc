// `anneal node KEY`: what each edge of build.ninja runs.
#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/remote_cache.h"
#include "graph/ninja_file.h"
#include "graph/node_death.h"
#include "graph/running_node.h"
#include "graph/workspace.h"
#include "nodes/node.h"
#include "proc/lock_file.h"
#include "proc/signal_name.h"
#include "proc/subprocess.h"
#include "proc/supervised.h"
#include "util/clock_text.h"

namespace anneal::cli {

namespace {

/// The child's exit status: what the node returned, or 1 after printing its error as main()
/// would have (the child never returns to it).
int exit_status(const Result<int>& result) {
  if (result)
    return *result;
  const std::string& message = result.error().message;
  fmt::print(stderr, "{}{}\n", message.find(": error: ") != std::string::npos ? "" : "anneal: error: ", message);
  return 1;
}

Result<int> run_node_here(Result<graph::Workspace>& workspace, const std::optional<cache::Digest>& key) {
  if (auto attached = attach_remote_cache(*workspace, remote_cache_from_env(), false); !attached)
    return std::unexpected(attached.error());
  // Under the build's ninja the build has just missed this key in the remote: asking again
  // would cost a second round trip for nothing.
  const char* checked = std::getenv(graph::k_remote_checked_env);
  cache::Lookup lookup = checked && std::string_view(checked) == "1" ? cache::Lookup::LocalOnly
                                                                     : cache::Lookup::LocalAndRemote;
  if (nodes::cached_result(workspace->store(), *key, lookup))
    return 0;
  auto spec = workspace->load_spec(*key);
  if (!spec)
    return std::unexpected(spec.error());
  // Whatever a command leaves behind (`setsid … &`, a double fork) is handed to us and
  // killed when the command ends, before anything looks at the candidate.
  proc::become_subreaper();
  nodes::NodeContext context;
  auto nodes_lock = proc::SharedLock::acquire(workspace->nodes_lock_path(spec->json.value("target", "")));
  if (!nodes_lock)
    return std::unexpected(nodes_lock.error());
  context.repo = [&workspace]() { return workspace->repo(); };
  context.store = &workspace->store();
  context.anneal_dir = workspace->anneal_dir();
  // The judge's calls are made up as it runs; their specs are kept like planned ones so
  // `anneal show` can print them.
  context.save_spec = [&workspace](const nodes::NodeSpec& spec) { return workspace->save_spec(spec); };
  if (const char* fresh = std::getenv("ANNEAL_FRESH"))
    context.fresh = std::string_view(fresh) == "1";
  if (const char* live = std::getenv(graph::k_live_output_env); live && std::string_view(live) == "1")
    context.live_output = graph::live_output_path(*workspace, *key);
  context.on_step = [&workspace, &key](int step, int steps) { graph::mark_step(*workspace, *key, step, steps); };
  // A build killed with -9 cannot stop us; we notice it is gone and stop our command.
  if (const char* pid_text = std::getenv("ANNEAL_BUILD_PID")) {
    pid_t build = static_cast<pid_t>(std::atol(pid_text));
    context.should_abort = [build]() { return build > 0 && ::kill(build, 0) != 0 && errno == ESRCH; };
  }
  auto result = nodes::execute_node(context, *spec);
  if (!result)
    return std::unexpected(result.error());
  return 0;
}

}  // namespace

Result<int> run_node(const std::string& key_hex) {
  std::optional<cache::Digest> key = cache::Digest::from_hex(key_hex);
  if (!key)
    return fail(fmt::format("'{}' is not a node key (32 hex digits)", key_hex));
  auto workspace = graph::Workspace::open(std::filesystem::current_path());
  if (!workspace)
    return std::unexpected(workspace.error());
  graph::forget_node_death(*workspace, *key);
  // The build's status line shows it running until this process ends, however the node does.
  std::optional<graph::RunningMark> running(std::in_place, *workspace, *key);
  // The node runs in a child: if a signal kills it (a crash in anneal, the OOM killer), this
  // process is still there to say so, in the build's output and in `anneal show KEY`.
  auto ended = proc::run_in_child([&]() -> int {
    try {
      return exit_status(run_node_here(workspace, key));
    } catch (const std::exception& e) {
      return exit_status(fail(fmt::format("internal error (please report it): {}", e.what())));
    }
  });
  if (!ended)
    return std::unexpected(ended.error());
  if (ended->signal == 0)
    return ended->exit_code;
  int signal = ended->signal;
  if (proc::interrupted() || signal == SIGINT || signal == SIGTERM || signal == SIGHUP) {
    // Stopped, not crashed: end the way it did, so ninja sees an interrupted edge.
    running.reset();
    ::signal(signal, SIG_DFL);
    ::raise(signal);
    return 128 + signal;
  }
  if (auto recorded = graph::record_node_death(*workspace, *key, {signal, now_utc_iso(), ended->output}); !recorded)
    fmt::print(stderr, "anneal: {}\n", recorded.error().message);
  fmt::print(stderr, "anneal: node {} was killed by {}; its log: anneal show {}\n", key->hex(),
             proc::signal_text(signal), key->hex().substr(0, 16));
  return 128 + signal;
}

}  // namespace anneal::cli
