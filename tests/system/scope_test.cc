// A command agent that steps outside its target's scope gets its whole candidate blocked:
// nothing of it is evaluated or kept, the agent is told why, and the user's checkout is
// untouched.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"

using namespace anneal::system_test;

namespace {

void write_scratch(const TempRepo& repo, const std::string& name, const std::string& text) {
  std::ofstream(repo.scratch() / name, std::ios::binary) << text;
}

std::string read_scratch(const TempRepo& repo, const std::string& name) {
  std::ifstream in(repo.scratch() / name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// What experiment 1 of `run_scope_case` does besides (optionally) an allowed edit.
struct ScopeCase {
  std::string action;                    ///< shell commands run in the candidate worktree
  std::set<std::string> blocked_paths;   ///< expected `violations[].path`; empty = "no change"
  bool allowed_edit = true;              ///< also append "marker1" to the editable app.txt
  /// `sandbox: off` for the agent: in the sandbox some actions fail outright (a commit: the
  /// git directory is read-only there) and would crash the draft instead of being blocked.
  bool unsandboxed = false;
};

/// Builds a target with two experiments: #1 runs `c.action`, #2 makes an allowed edit. Checks
/// that #1 is blocked for the expected paths without being evaluated or kept, that #2's
/// prompt tells the agent why, and that the user's checkout is untouched.
void run_scope_case(const ScopeCase& c) {
  TempRepo repo;
  repo.write("app.txt", "a\n");
  repo.write("other.txt", "other\n");
  repo.write("tests/check.sh", "exit 0\n");
  repo.write("Annealfile", with_scratch(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    scope: {editable: [app.txt, link, "sub/**"], immutable: ["tests/**"]}
    agent: {kind: command, run: "sh SCRATCH/agent.sh", timeout: 20s)" + std::string(c.unsandboxed ? ", sandbox: off" : "") + R"(}
    stages:
      - {name: size, run: "echo run >> SCRATCH/stage.count; wc -c < app.txt"}
    objective: {metric: size, direction: maximize}
    budget: {experiments: 2}
)",
                                        repo));
  const std::string head = repo.commit("project");
  std::string first = c.allowed_edit ? "echo marker1 >> app.txt; " + c.action : c.action;
  write_scratch(repo, "agent.sh",
                with_scratch("echo run >> SCRATCH/agent.count\n"
                          "cp \"$ANNEAL_PROMPT_FILE\" SCRATCH/prompt.$ANNEAL_EXPERIMENT\n"
                          "case $ANNEAL_EXPERIMENT in\n"
                          "1) " + first + "\n;;\n"
                          "*) echo marker$ANNEAL_EXPERIMENT >> app.txt ;;\n"
                          "esac\n",
                          repo));

  Outcome build = repo.anneal("build");
  INFO("action: " << c.action << "\nstdout:\n" << build.out << "stderr:\n" << build.err);
  REQUIRE(build.status == 0);
  auto history = repo.history("t");
  INFO("history: " << history.dump(2));
  REQUIRE(history.size() == 3);

  const auto& blocked = history[1];
  // A change outside the scope is "blocked"; no change at all is "unchanged".
  CHECK(blocked["outcome"] == (c.blocked_paths.empty() ? "unchanged" : "blocked"));
  CHECK(blocked["score"].is_null());
  std::set<std::string> paths;
  for (const auto& v : blocked["violations"])
    paths.insert(v["path"].get<std::string>());
  CHECK(paths == c.blocked_paths);
  if (c.blocked_paths.empty())
    CHECK(blocked["detail"].get<std::string>().find("no change") != std::string::npos);

  // Evaluated: the baseline and #2, never the blocked #1.
  CHECK(count_lines(repo.scratch() / "agent.count") == 2);
  CHECK(count_lines(repo.scratch() / "stage.count") == 2);
  CHECK(history[2]["outcome"] == "kept");

  // The allowed part of the blocked candidate is not kept either.
  Outcome best = repo.run("git show anneal/t:app.txt");
  CHECK(best.status == 0);
  CHECK(best.out == "a\nmarker2\n");

  // The agent is told why next time.
  std::string prompt = read_scratch(repo, "prompt.2");
  if (c.blocked_paths.empty())
    CHECK(prompt.find("no change") != std::string::npos);
  for (const auto& path : c.blocked_paths)
    CHECK(prompt.find("out of scope: " + path + " ") != std::string::npos);

  // The user's checkout: same HEAD, same files, nothing new, no stale worktree.
  CHECK(repo.run("git rev-parse HEAD").out.substr(0, 40) == head);
  CHECK(repo.read("app.txt") == "a\n");
  CHECK(repo.read("other.txt") == "other\n");
  CHECK(repo.read("tests/check.sh") == "exit 0\n");
  CHECK_FALSE(repo.run("test -e link || test -L link").status == 0);
  CHECK_FALSE(repo.exists("sub"));
  CHECK(repo.run("git worktree list --porcelain | grep -c '^worktree '").out == "1\n");
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

}  // namespace

TEST_CASE("a command agent that leaves its scope gets the whole candidate blocked", "[system]") {
  SECTION("modifying an immutable file") {
    run_scope_case({"echo 'exit 1' >> tests/check.sh", {"tests/check.sh"}});
  }
  SECTION("committing an immutable change inside the worktree, then an allowed edit") {
    run_scope_case({"echo 'exit 1' >> tests/check.sh && git add -A && git -c user.name=x -c user.email=x@x "
                    "commit -qm sneaky && echo more >> app.txt",
                    {"tests/check.sh"}, true, true});
  }
  SECTION("a symlink to an absolute path outside the worktree") {
    run_scope_case({"ln -s /etc/passwd link", {"link"}});
  }
  SECTION("a symlink climbing out of the worktree") {
    run_scope_case({"ln -s ../../../../x link", {"link"}});
  }
  SECTION("overwriting the worktree's .git file") {
    run_scope_case({"echo 'gitdir: /tmp' > .git", {".git"}});
  }
  SECTION("planting a nested .git folder") {
    run_scope_case({"mkdir -p sub/.git && echo '[core]' > sub/.git/config", {"sub/.git"}});
  }
  SECTION("deleting a file that is not editable") {
    run_scope_case({"rm other.txt", {"other.txt"}});
  }
  SECTION("changing a file outside editable") {
    run_scope_case({"echo more >> other.txt", {"other.txt"}});
  }
  SECTION("several violations at once are all listed") {
    run_scope_case({"rm other.txt; echo 'exit 1' >> tests/check.sh", {"other.txt", "tests/check.sh"}});
  }
  SECTION("changing nothing") {
    run_scope_case({":", {}, false});
  }
}

TEST_CASE("a symlink that stays inside the worktree is an ordinary edit", "[system]") {
  TempRepo repo;
  repo.write("app.txt", "a\n");
  repo.write("Annealfile", with_scratch(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    scope: {editable: [app.txt, link]}
    agent: {kind: command, run: "echo more >> app.txt; ln -sf app.txt link", timeout: 20s}
    stages:
      - {name: size, run: "wc -c < app.txt"}
    objective: {metric: size, direction: maximize}
    budget: {experiments: 1}
)",
                                        repo));
  repo.commit("project");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  auto history = repo.history("t");
  REQUIRE(history.size() == 2);
  CHECK(history[1]["outcome"] == "kept");
  CHECK(repo.run("git cat-file -p anneal/t:link").out == "app.txt");
  CHECK_FALSE(repo.exists("link"));
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}
