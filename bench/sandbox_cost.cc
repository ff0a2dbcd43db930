// The sandbox's cost per command: `sh -c true` through proc::run plainly, and in the
// bubblewrap sandbox a gate gets (the whole layout: read-only root, private /tmp, a writable
// worktree, its own PID/IPC/UTS namespaces) and an agent gets (the checkout masked too), and
// with `network: false` (its own network namespace as well).
//
// Usage: bench_sandbox_cost [runs]   (default 200; prints median and p90 in milliseconds)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "proc/sandbox.h"
#include "proc/subprocess.h"

namespace fs = std::filesystem;
using anneal::proc::RunOptions;

namespace {

struct Figures {
  double median_ms = 0;
  double p90_ms = 0;
};

Figures measure(const RunOptions& options, int runs) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto result = anneal::proc::run(options);
    double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!result || !result->ok()) {
      std::fprintf(stderr, "bench_sandbox_cost: `%s` failed: %s\n", options.command.c_str(),
                   result ? (result->describe() + " " + result->err).c_str() : result.error().message.c_str());
      std::exit(1);
    }
    ms.push_back(took);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 9 / 10)]};
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 200;
  const auto& probe = anneal::proc::sandbox_probe();
  if (!probe.available) {
    std::fprintf(stderr, "bench_sandbox_cost: bubblewrap does not work here: %s\n", probe.reason.c_str());
    return 1;
  }
  std::string pattern = (fs::temp_directory_path() / "anneal-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return 1;
  fs::path repo = pattern;
  fs::path worktree = repo / ".anneal" / "worktrees" / "t" / "d0";
  fs::create_directories(worktree);
  fs::create_directories(repo / ".git");

  RunOptions plain;
  plain.command = "true";
  plain.cwd = worktree;
  RunOptions gate = plain;
  gate.sandbox = anneal::proc::SandboxOptions{};
  gate.sandbox->readable = {repo, repo / ".git"};
  gate.sandbox->writable = {worktree};
  RunOptions agent = gate;
  agent.sandbox->readable = {repo / ".git"};
  agent.sandbox->mask = repo;
  RunOptions offline = gate;
  offline.sandbox->network = false;

  std::printf("sandbox cost per command, %d runs of `sh -c true` each (%s)\n", runs, probe.bwrap.c_str());
  std::printf("%-34s %10s %10s\n", "", "median ms", "p90 ms");
  struct Row {
    const char* name;
    const RunOptions* options;
  } rows[] = {{"plain sh -c true", &plain},
              {"sandboxed (gate, stage)", &gate},
              {"sandboxed agent (checkout masked)", &agent},
              {"sandboxed, network: false", &offline}};
  double base = 0;
  for (const Row& row : rows) {
    Figures f = measure(*row.options, runs);
    if (base == 0)
      base = f.median_ms;
    std::printf("%-34s %10.2f %10.2f   (+%.2f ms)\n", row.name, f.median_ms, f.p90_ms, f.median_ms - base);
  }
  std::error_code ec;
  fs::remove_all(repo, ec);
  return 0;
}
