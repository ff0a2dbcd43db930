// The guard's cost per experiment (git/repo_guard.h): fingerprinting what git obeys outside
// the worktree and the user's checkout before an agent, and comparing after, on a repository
// of 10,000 tracked files in 100 folders (plus 100 untracked and 1,000 ignored ones), against
// `git status --porcelain` on the same checkout — what the checkout part is modelled on.
//
// Usage: bench_guard_cost [runs] [files]   (default 100 runs, 10000 files; median and p90 in ms)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "git/checkout_fingerprint.h"
#include "git/repo_guard.h"
#include "git/repository.h"
#include "git/worktree.h"

namespace fs = std::filesystem;

namespace {

struct Figures {
  double median_ms = 0;
  double p90_ms = 0;
};

Figures measure(int runs, const std::function<void()>& once) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    once();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 9 / 10)]};
}

void must(const std::string& command) {
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "bench_guard_cost: `%s` failed\n", command.c_str());
    std::exit(1);
  }
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

template <class T>
T ok(T result, const char* doing) {
  if (!result) {
    std::fprintf(stderr, "bench_guard_cost: %s: %s\n", doing, result.error().message.c_str());
    std::exit(1);
  }
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 100;
  int files = argc > 2 ? std::atoi(argv[2]) : 10000;
  ::setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
  ::setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
  std::string pattern = (fs::temp_directory_path() / "anneal-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return 1;
  fs::path repo = pattern;
  for (int i = 0; i < files; ++i)
    write(repo / ("dir" + std::to_string(i % 100)) / ("file" + std::to_string(i) + ".txt"),
          "line " + std::to_string(i) + "\n");
  write(repo / ".gitignore", "build/\n.anneal/\n");
  must("cd '" + repo.string() + "' && git init -q -b main && git add -A && git -c user.name=b -c user.email=b@b "
       "commit -qm base");
  for (int i = 0; i < 100; ++i)
    write(repo / ("untracked" + std::to_string(i) + ".txt"), "u\n");
  for (int i = 0; i < 1000; ++i)
    write(repo / "build" / ("out" + std::to_string(i) + ".o"), "o\n");
  write(repo / "dir0" / "file0.txt", "an uncommitted edit\n");
  ::sleep(1);  // files older than the index, as in a checkout worked in: not "racily clean"
  must("cd '" + repo.string() + "' && git status --porcelain >/dev/null");

  auto opened = ok(anneal::git::Repository::open(repo), "open");
  fs::path worktree = repo / ".anneal" / "worktrees" / "t" / "d0";
  auto head = ok(opened->head_commit(), "HEAD");
  ok(anneal::git::add_worktree(*opened, worktree, "anneal-t-d0", *head), "add worktree");
  const std::vector<fs::path> skip = {repo / ".anneal"};
  const fs::path aside = repo / ".anneal" / "guard" / "bench";

  std::printf("guard cost per experiment, %d runs each, %d tracked files, 100 untracked, 1000 ignored\n", runs,
              files);
  std::printf("%-44s %10s %10s\n", "", "median ms", "p90 ms");
  auto row = [&](const char* name, const std::function<void()>& once) {
    Figures f = measure(runs, once);
    std::printf("%-44s %10.2f %10.2f\n", name, f.median_ms, f.p90_ms);
  };
  row("git status --porcelain (reference)",
      [&] { must("cd '" + repo.string() + "' && git status --porcelain >/dev/null"); });
  row("checkout fingerprint: take + compare", [&] {
    auto fingerprint = ok(anneal::git::CheckoutFingerprint::take(repo, skip), "take");
    auto changes = ok(fingerprint->restore(aside), "restore");
    if (!changes->empty())
      std::exit(1);
  });
  row("whole guard: take + restore (nothing changed)", [&] {
    auto guard = ok(anneal::git::RepoGuard::take(repo, repo / ".git", worktree, skip), "take");
    auto breaches = ok(guard->restore(aside), "restore");
    if (!breaches->empty())
      std::exit(1);
  });
  row("whole guard, a hook planted and put back", [&] {
    auto guard = ok(anneal::git::RepoGuard::take(repo, repo / ".git", worktree, skip), "take");
    write(repo / ".git" / "hooks" / "pre-commit", "#!/bin/sh\n");
    auto breaches = ok(guard->restore(aside), "restore");
    if (breaches->size() != 1)
      std::exit(1);
  });
  std::error_code ec;
  fs::remove_all(repo, ec);
  return 0;
}
