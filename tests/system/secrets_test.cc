// Secrets through `anneal build`: a variable the Annealfile names as a secret (`cache.token_env`,
// an agent's `api_key_env`) is withheld from commands like one whose name says so, and what
// the commands that are passed one print of it (stdout, stderr, the hypothesis file, a stage's
// output) reaches no log, blob, ledger, commit, remote cache entry or terminal unredacted.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <string>

#include "api_agent_harness.h"
#include "harness.h"
#include "nginx_server.h"

using namespace anneal::system_test;

namespace {

constexpr const char* k_cred = "cred-Team-7f3a9c21e4";  // in TEAM_CACHE_CRED: not a secret's name
constexpr const char* k_key = "key-Svc-0b8d6e5a13";     // in SERVICE_API_KEY: a secret's name

/// Settings in the test runner's own environment must not leak into the builds under test.
constexpr const char* k_clean_env =
    "env -u ANNEAL_REMOTE_CACHE -u ANNEAL_REMOTE_READ_ONLY -u ANNEAL_REMOTE_TOKEN -u ANNEAL_REMOTE_TOKEN_ENV "
    "-u ANNEAL_SECRET_VARS";

/// A command agent and a stage that are passed both secrets and print them every way they
/// can; a gate that is passed none and fails if it sees either.
void make_target(const TempRepo& repo, const std::string& remote) {
  repo.write("score.txt", "1\n");
  repo.write("agent.sh",
             "echo \"out $TEAM_CACHE_CRED $SERVICE_API_KEY\"\n"
             "echo \"err $TEAM_CACHE_CRED $SERVICE_API_KEY\" >&2\n"
             "echo \"use $TEAM_CACHE_CRED and $SERVICE_API_KEY\" > \"$ANNEAL_HYPOTHESIS_FILE\"\n"
             "echo 2 > score.txt\n");
  repo.write("Annealfile", fmt::format(R"(annealfile: 1
cache: {{remote: "{}", token_env: TEAM_CACHE_CRED}}
targets:
  t:
    artifact: [score.txt]
    agent: {{kind: command, run: "sh agent.sh", pass_env: [TEAM_CACHE_CRED, SERVICE_API_KEY]}}
    verify:
      - {{name: clean, run: "test -z \"$TEAM_CACHE_CRED$SERVICE_API_KEY\""}}
    stages:
      - name: score
        run: "echo \"seen $TEAM_CACHE_CRED $SERVICE_API_KEY\" >&2; echo \"note $TEAM_CACHE_CRED\"; cat score.txt"
        pass_env: [TEAM_CACHE_CRED, SERVICE_API_KEY]
    objective: {{metric: score, direction: maximize}}
    budget: {{experiments: 2}}
)",
                                       remote));
  repo.commit("project");
}

/// Every git object of the repository, uncompressed, that holds `needle`.
std::string objects_containing(const TempRepo& repo, const std::string& needle) {
  return repo
      .run("git cat-file --batch-all-objects --batch-check='%(objectname)' | while read o; do "
           "git cat-file -p $o | grep -q -F -- '" +
           needle + "' && echo $o; done; true")
      .out;
}

}  // namespace

TEST_CASE("a secret printed by a command that was passed it is stored nowhere", "[system][secrets]") {
  NginxServer server(k_cred);
  TempRepo repo;
  make_target(repo, server.url());
  const std::string env = fmt::format("{} TEAM_CACHE_CRED={} SERVICE_API_KEY={}", k_clean_env, k_cred, k_key);
  Outcome build = anneal_with(repo, env, "build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 3);
  // The gate saw neither (it passed); the agent and the stage had both (the agent's change
  // was measured and kept); the remote took the token (entries were uploaded).
  CHECK(history[1]["outcome"] == "kept");
  CHECK(history[1]["score"] == 2);
  CHECK(history[1]["hypothesis"] == "use [redacted:TEAM_CACHE_CRED] and [redacted:SERVICE_API_KEY]");
  CHECK_FALSE(server.files().empty());

  for (const std::string secret : {k_cred, k_key}) {
    INFO("secret " << secret);
    CHECK(build.out.find(secret) == std::string::npos);
    CHECK(build.err.find(secret) == std::string::npos);
    CHECK(files_containing(repo, secret) == "");
    CHECK(objects_containing(repo, secret) == "");
    CHECK(repo.run("grep -rl -F -- '" + secret + "' '" + server.root().string() + "' || true").out == "");
  }
  // What the commands printed is kept, redacted: the agent's stdout and stderr as blobs.
  CHECK(files_containing(repo, "out [redacted:TEAM_CACHE_CRED] [redacted:SERVICE_API_KEY]") != "");
  CHECK(files_containing(repo, "err [redacted:TEAM_CACHE_CRED] [redacted:SERVICE_API_KEY]") != "");
  CHECK(repo.fsck_problems() == "");
}

TEST_CASE("an agent that writes a secret it was passed into a file is blocked, not committed", "[system][secrets]") {
  TempRepo repo;
  repo.write("score.txt", "1\n");
  repo.write("notes.md", "notes\n");
  repo.write("Annealfile", R"(annealfile: 1
targets:
  t:
    artifact: [score.txt, notes.md]
    agent:
      kind: command
      run: "echo \"key: $SERVICE_API_KEY\" >> notes.md; echo 2 > score.txt"
      pass_env: [SERVICE_API_KEY]
    stages:
      - {name: score, run: "cat score.txt"}
    objective: {metric: score, direction: maximize}
    budget: {experiments: 1}
)");
  repo.commit("project");
  Outcome build = anneal_with(repo, std::string(k_clean_env) + " SERVICE_API_KEY=" + k_key, "build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  auto history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  CHECK(history[1]["outcome"] == "blocked");
  CHECK(history[1].value("commit", nlohmann::json()).is_null());
  std::string violations = history[1].value("violations", nlohmann::json::array()).dump();
  CHECK_THAT(violations, Catch::Contains("notes.md") && Catch::Contains("holds the value of SERVICE_API_KEY"));
  CHECK(objects_containing(repo, k_key) == "");
  CHECK(files_containing(repo, k_key) == "");
  CHECK(repo.fsck_problems() == "");
}
