#include "graph/ninja_runner.h"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include "proc/subprocess.h"

namespace anneal::graph {

Result<void> run_ninja(const NinjaOptions& options) {
  // build.ninja only ever lists nodes whose results are missing, so ninja's own log of past
  // commands never decides anything; left alone it would grow by every node ever run and be
  // re-read on every experiment. Kept while small: its timings are worth a look.
  constexpr std::uintmax_t k_max_ninja_log = 256 * 1024;
  std::error_code ec;
  std::filesystem::path log = options.dir / ".ninja_log";
  if (std::filesystem::file_size(log, ec) > k_max_ninja_log && !ec)
    std::filesystem::remove(log, ec);
  proc::RunOptions run;
  run.command = fmt::format("exec ninja --quiet -f build.ninja -k {}", options.keep_going);
  if (options.jobs > 0)
    run.command += fmt::format(" -j {}", options.jobs);
  run.cwd = options.dir;
  // ninja starts `anneal node`, which needs the API keys for its LLM calls: the secrets are
  // taken out of the user's commands' environment by the nodes, not here.
  run.inherit = proc::Inherit::Everything;
  run.die_with_parent = true;
  run.stop_signal = SIGINT;
  run.kill_grace_s = 10;
  // Nodes watch this process: if it dies, they stop their commands and store nothing.
  run.env = {{"ANNEAL_BUILD_PID", std::to_string(::getpid())}};
  if (options.fresh)
    run.env.emplace_back("ANNEAL_FRESH", "1");
  run.env.insert(run.env.end(), options.env.begin(), options.env.end());
  if (options.while_running)
    run.should_abort = [&options]() {
      options.while_running();
      return false;
    };
  auto result = proc::run(run);
  if (!result)
    return fail(fmt::format("cannot run ninja: {}", result.error().message));
  if (result->aborted)
    return fail("interrupted");
  if (result->exit_code == 127)
    return fail("ninja was not found on PATH; install it (Debian: apt-get install ninja-build)");
  if (!result->ok()) {
    std::string output = result->out + result->err;
    while (!output.empty() && output.back() == '\n')
      output.pop_back();
    return fail(fmt::format("a node failed (ninja: {}):\n{}", result->describe(), output));
  }
  return {};
}

}  // namespace anneal::graph
