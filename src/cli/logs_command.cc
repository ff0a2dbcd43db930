// `anneal logs [TARGET] [-f]`: what a background build printed, and, with -f, what it prints
// until it ends.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "cli/build_log.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "proc/subprocess.h"

namespace anneal::cli {

namespace fs = std::filesystem;

namespace {

/// Prints what `path` holds past `offset`; returns the new offset.
std::uintmax_t print_from(const fs::path& path, std::uintmax_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return offset;
  in.seekg(static_cast<std::streamoff>(offset));
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    std::fwrite(buf, 1, static_cast<size_t>(in.gcount()), stdout);
    offset += static_cast<std::uintmax_t>(in.gcount());
  }
  std::fflush(stdout);
  return offset;
}

}  // namespace

Result<int> run_logs(const LogsArgs& args) {
  auto workspace = graph::Workspace::open(fs::current_path());
  if (!workspace)
    return std::unexpected(workspace.error());
  std::optional<BuildLog> log = newest_build_log(*workspace, args.target);
  if (!log) {
    if (!args.target.empty()) {
      // A name that is no target gets the list of targets (when the Annealfile reads).
      if (auto project = open_project(std::move(*workspace)); project)
        if (auto target = find_target(project->annealfile, args.target); !target)
          return std::unexpected(target.error());
      return fail(fmt::format("no background build of '{}' has run yet; `anneal build {} --detach` starts one",
                              args.target, args.target));
    }
    return fail("no background build has run yet; `anneal build --detach` starts one (its output goes to .anneal/logs/)");
  }
  if (!args.follow) {
    print_from(log->log, 0);
    return 0;
  }
  // Checked before each read, so once the build is gone the last read has everything it wrote.
  std::uintmax_t offset = 0;
  for (bool running = true; running;) {
    running = log->running();
    offset = print_from(log->log, offset);
    if (running)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (proc::interrupted())
      return 130;
  }
  nlohmann::json meta = log->read_meta();
  if (meta.contains("exit") && meta["exit"].is_number_integer())
    return meta["exit"].get<int>();
  return fail(fmt::format("the build (pid {}) is gone without saying how it ended: it was killed", meta.value("pid", 0)));
}

}  // namespace anneal::cli
