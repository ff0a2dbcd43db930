// A shared remote cache, against a real nginx WebDAV server on loopback and a server that
// misbehaves: a fresh clone rebuilds from a warm remote without running anything, and no
// remote problem ever fails a build, leaks the token or poisons the local cache.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "api_agent_harness.h"
#include "clone.h"
#include "harness.h"
#include "nginx_server.h"

using namespace anneal::system_test;
namespace fs = std::filesystem;

namespace {

constexpr const char* k_token = "tok-remote-SECRET-42";
/// Settings in the test runner's own environment must not leak into the builds under test.
constexpr const char* k_clean_env =
    "env -u ANNEAL_REMOTE_CACHE -u ANNEAL_REMOTE_READ_ONLY -u ANNEAL_REMOTE_TOKEN -u ANNEAL_REMOTE_TOKEN_ENV";

/// One target `t`: a command agent that sets score.txt from ANNEAL_EXPERIMENT, a gate and two
/// stages, each counting its runs in a file of `counters` (one line per run). `cache` is the
/// Annealfile's `cache:` section, if any.
void set_up(const TempRepo& repo, const fs::path& counters, int experiments = 5, const std::string& cache = "") {
  repo.write("agent.sh", fmt::format("echo run >> {}/agent\n"
                                     "n=$(( (ANNEAL_EXPERIMENT * 37) % 97 + 1 ))\n"
                                     "echo \"$n\" > score.txt\n"
                                     "echo \"score becomes $n\" > \"$ANNEAL_HYPOTHESIS_FILE\"\n",
                                     counters.string()));
  repo.write("score.txt", "150\n");
  repo.write("Annealfile", fmt::format(R"(annealfile: 1
agents:
  bot: {{kind: command, run: "sh agent.sh", timeout: 30s}}
targets:
  t:
    artifact: [score.txt]
    agent: bot
    verify: [{{name: gate, run: "echo run >> {0}/gate"}}]
    stages:
      - {{name: pre, run: "echo run >> {0}/pre; echo 1"}}
      - {{name: score, run: "echo run >> {0}/score; cat score.txt"}}
    objective: {{metric: score, direction: minimize}}
    search: {{strategy: greedy, seed: 1}}
    budget: {{experiments: {1}}}
{2}
)",
                                       counters.string(), experiments, cache));
  repo.commit("project");
}

/// Runs of the agent and of every evaluation command so far.
int runs(const fs::path& counters) {
  int n = 0;
  for (const char* name : {"agent", "gate", "pre", "score"})
    n += count_lines(counters / name);
  return n;
}

/// `anneal build ARGS` with `env` in front and none of the runner's remote settings.
Outcome build(const TempRepo& repo, const std::string& env, const std::string& args = "") {
  return anneal_with(repo, std::string(k_clean_env) + " " + env, "build " + args);
}

/// Lines warning that the remote is unusable, in everything the build printed.
int remote_warnings(const Outcome& o) {
  std::istringstream lines(o.out + o.err);
  int n = 0;
  for (std::string line; std::getline(lines, line);)
    n += line.find("warning") != std::string::npos && line.find("remote cache") != std::string::npos;
  return n;
}

/// The ledger of `t`, without the fields that say when or how long (they differ by run), and
/// the chain, which hashes them.
nlohmann::json ledger_without_times(const TempRepo& repo) {
  nlohmann::json records = nlohmann::json::array();
  std::istringstream lines(repo.read(".anneal/targets/t/experiments.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    auto record = nlohmann::json::parse(line);
    // What differs by how the build went, not by what it found: when, how long, which
    // results came from a cache.
    for (const char* field : {"time", "duration_s", "chain", "cached"})
      record.erase(field);
    records.push_back(record);
  }
  return records;
}

std::string incumbent_tree(const TempRepo& repo) { return repo.run("git rev-parse 'anneal/t^{tree}'").out; }

/// The best score.txt: comparable across repositories whose Annealfiles differ.
std::string incumbent_score(const TempRepo& repo) { return repo.run("git show anneal/t:score.txt").out; }

/// "ac/<32 hex>" or "cas/<32 hex>": the remote layout of the contract.
bool is_entry_path(const std::string& path) {
  size_t slash = path.find('/');
  std::string area = path.substr(0, slash);
  std::string hex = slash == std::string::npos ? "" : path.substr(slash + 1);
  return (area == "ac" || area == "cas") && hex.size() == 32 &&
         hex.find_first_not_of("0123456789abcdef") == std::string::npos;
}

/// Where the local store keeps the entry the remote holds at `remote_path` ("ac/<hex>").
std::string local_path_of(const std::string& remote_path) {
  size_t slash = remote_path.find('/');
  return remote_path.substr(0, slash + 1) + remote_path.substr(slash + 1, 2) + "/" + remote_path.substr(slash + 1);
}

/// Bytes of every file in the local cache, by path relative to .anneal/cache.
std::map<std::string, std::string> local_entries(const TempRepo& repo) {
  std::map<std::string, std::string> entries;
  fs::path root = repo.path() / ".anneal" / "cache";
  if (!fs::exists(root))
    return entries;
  for (const auto& file : fs::recursive_directory_iterator(root))
    if (file.is_regular_file())
      entries[fs::relative(file.path(), root).generic_string()] = repo.read(
          fs::relative(file.path(), repo.path()).string());
  return entries;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("the test nginx is a WebDAV store that can require a token", "[system][remote]") {
  NginxServer server(k_token);
  TempRepo repo;
  std::string put = "curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary 'entry bytes' ";
  CHECK(repo.run(put + server.url() + "/ac/00112233").out == "401");
  CHECK(repo.run(put + "-H 'Authorization: Bearer " + k_token + "' " + server.url() + "/ac/00112233").out == "201");
  CHECK(server.files() == std::vector<std::string>{"ac/00112233"});
  CHECK(repo.run("curl -s -H 'Authorization: Bearer " + std::string(k_token) + "' " + server.url() + "/ac/00112233").out ==
        "entry bytes");
  server.stop();
  CHECK(repo.run("curl -s -o /dev/null " + server.url() + "/ac/00112233").status != 0);
  server.start();
  CHECK(server.files() == std::vector<std::string>{"ac/00112233"});
  CHECK(server.requests("PUT") == 2);
}

TEST_CASE("a fresh clone rebuilds from a warm remote without running anything", "[system][remote]") {
  NginxServer server;
  TempRepo origin;
  set_up(origin, origin.scratch(), 6);
  Outcome fill = build(origin, "ANNEAL_REMOTE_CACHE=" + server.url());
  INFO(fill.out << fill.err);
  REQUIRE(fill.status == 0);
  CHECK(remote_warnings(fill) == 0);
  int cold_runs = runs(origin.scratch());
  REQUIRE(cold_runs > 0);
  auto stored = server.files();
  REQUIRE(!stored.empty());
  // The remote holds byte for byte the entry files of the local store that filled it.
  auto filled = local_entries(origin);
  for (const auto& file : stored) {
    INFO(file);
    CHECK(is_entry_path(file));
    CHECK(filled[local_path_of(file)] == origin.run("cat '" + (server.root() / file).string() + "'").out);
  }

  SECTION("from the environment") {
    auto clone = clone_of(origin);
    Outcome warm = build(*clone, "ANNEAL_REMOTE_CACHE=" + server.url());
    INFO(warm.out << warm.err);
    REQUIRE(warm.status == 0);
    CHECK(remote_warnings(warm) == 0);
    CHECK(runs(origin.scratch()) == cold_runs);  // no agent call, no gate, no stage
    CHECK(incumbent_tree(*clone) == incumbent_tree(origin));
    CHECK(ledger_without_times(*clone) == ledger_without_times(origin));
    CHECK(server.files() == stored);
    CHECK(clone->status().empty());
    // Every action the clone needed came from the remote and is now a local entry.
    auto fetched = local_entries(*clone);
    for (const auto& file : stored)
      if (file.starts_with("ac/")) {
        INFO(file);
        CHECK(fetched[local_path_of(file)] == filled[local_path_of(file)]);
      }

    // The hits were stored locally: with the remote gone, nothing is left to do.
    server.stop();
    Outcome again = build(*clone, "ANNEAL_REMOTE_CACHE=" + server.url());
    CHECK(again.status == 0);
    CHECK(again.out.find("no work to do") != std::string::npos);
    CHECK(runs(origin.scratch()) == cold_runs);
    CHECK(clone->fsck_problems().empty());
  }

  SECTION("from the command line and read-only: no HEAD and no PUT") {
    int heads = server.requests("HEAD"), puts = server.requests("PUT");
    auto clone = clone_of(origin);
    Outcome warm = build(*clone, "", "--remote-cache " + server.url() + " --remote-read-only");
    INFO(warm.out << warm.err);
    REQUIRE(warm.status == 0);
    CHECK(runs(origin.scratch()) == cold_runs);
    CHECK(incumbent_tree(*clone) == incumbent_tree(origin));
    CHECK(server.requests("HEAD") == heads);
    CHECK(server.requests("PUT") == puts);
  }

  SECTION("a longer budget computes only the new experiments and uploads only new entries") {
    size_t logged = server.access_log().size();
    auto clone = clone_of(origin);
    Outcome more = build(*clone, "ANNEAL_REMOTE_CACHE=" + server.url(), "--experiments 9");
    INFO(more.out << more.err);
    // HEAD before PUT: nothing the remote already held was sent again.
    std::istringstream lines(server.access_log().substr(logged));
    for (std::string line; std::getline(lines, line);)
      if (line.starts_with("PUT /cache/")) {
        INFO(line);
        std::string path = line.substr(11, line.find(' ', 11) - 11);
        CHECK(std::find(stored.begin(), stored.end(), path) == stored.end());
      }
    REQUIRE(more.status == 0);
    int extra = runs(origin.scratch()) - cold_runs;
    CHECK(extra > 0);
    CHECK(count_lines(origin.scratch() / "agent") == 6 + 3);
    CHECK(server.files().size() > stored.size());
  }
}

TEST_CASE("read_only never writes to the remote", "[system][remote]") {
  NginxServer server;
  TempRepo repo;
  std::string env, args;
  SECTION("ANNEAL_REMOTE_READ_ONLY=1") {
    set_up(repo, repo.scratch());
    env = "ANNEAL_REMOTE_CACHE=" + server.url() + " ANNEAL_REMOTE_READ_ONLY=1";
  }
  SECTION("read_only in the Annealfile") {
    set_up(repo, repo.scratch(), 5, fmt::format("cache: {{remote: \"{}\", read_only: true}}", server.url()));
  }
  SECTION("--remote-read-only") {
    set_up(repo, repo.scratch());
    env = "ANNEAL_REMOTE_CACHE=" + server.url();
    args = "--remote-read-only";
  }
  Outcome o = build(repo, env, args);
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  CHECK(remote_warnings(o) == 0);
  CHECK(repo.history("t").size() == 6);
  CHECK(server.files().empty());
  CHECK(server.requests("GET") > 0);  // it did look there
  CHECK(server.requests("HEAD") == 0);
  CHECK(server.requests("PUT") == 0);
}

TEST_CASE("a remote that fails never fails the build: one warning and then local only", "[system][remote]") {
  // The same project built without any remote, once, for comparison.
  struct Reference {
    int runs;
    std::string score;
  };
  static const Reference reference = [] {
    TempRepo plain;
    set_up(plain, plain.scratch());
    if (build(plain, "").status != 0)
      throw std::runtime_error("the build without a remote failed");
    return Reference{runs(plain.scratch()), incumbent_score(plain)};
  }();

  TempRepo repo;
  set_up(repo, repo.scratch());
  std::unique_ptr<NginxServer> nginx;
  std::unique_ptr<MisbehavingServer> bad;
  std::string url;
  double limit_s = 20;
  std::string failing_method;  // the requests that fail; once disabled, no more of them
  SECTION("down (connection refused)") {
    nginx = std::make_unique<NginxServer>();
    nginx->stop();
    url = nginx->url();
  }
  SECTION("500") {
    failing_method = "GET";
    bad = std::make_unique<MisbehavingServer>(Misbehaviour::Status500);
    url = bad->url();
  }
  SECTION("status 999") {
    failing_method = "GET";
    bad = std::make_unique<MisbehavingServer>(Misbehaviour::BadStatus);
    url = bad->url();
  }
  SECTION("hangs") {
    failing_method = "GET";
    bad = std::make_unique<MisbehavingServer>(Misbehaviour::Hang);
    url = bad->url();
    limit_s = 60;  // a stalled transfer ends within ~10 s, any request within 30 s
  }
  SECTION("refuses uploads (403), first noticed by a node process") {
    failing_method = "PUT";
    bad = std::make_unique<MisbehavingServer>(Misbehaviour::RejectsPut);
    url = bad->url();
  }
  auto start = std::chrono::steady_clock::now();
  Outcome o = build(repo, "ANNEAL_REMOTE_CACHE=" + url);
  double took = seconds_since(start);
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  CHECK(took < limit_s);
  CHECK(remote_warnings(o) == 1);
  CHECK((o.out + o.err).find("unusable") != std::string::npos);
  CHECK(repo.history("t").size() == 6);
  CHECK(runs(repo.scratch()) == reference.runs);
  CHECK(incumbent_score(repo) == reference.score);
  if (bad) {
    // Disabled after the first failure, in every process of the build: at most the requests
    // already in flight in parallel nodes fail.
    CHECK(bad->requests(failing_method) >= 1);
    CHECK(bad->requests(failing_method) <= 2);
  }
  CHECK(repo.status().empty());

  // The next build tries the remote again (the marker is the build's, not forever's).
  if (nginx) {
    nginx->start();
    Outcome next = build(repo, "ANNEAL_REMOTE_CACHE=" + url, "--experiments 7");
    INFO(next.out << next.err);
    REQUIRE(next.status == 0);
    CHECK(remote_warnings(next) == 0);
    CHECK(!nginx->files().empty());
  }
}

TEST_CASE("a remote that answers 200 with garbage is a miss and never stored", "[system][remote]") {
  MisbehavingServer bad(Misbehaviour::Garbage200);
  TempRepo reference;
  set_up(reference, reference.scratch());
  REQUIRE(build(reference, "").status == 0);

  TempRepo repo;
  set_up(repo, repo.scratch());
  Outcome o = build(repo, "ANNEAL_REMOTE_CACHE=" + bad.url());
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  CHECK(remote_warnings(o) <= 1);
  CHECK(runs(repo.scratch()) == runs(reference.scratch()));
  CHECK(incumbent_score(repo) == incumbent_score(reference));
  CHECK(bad.requests() > 0);
  for (const auto& [path, bytes] : local_entries(repo)) {
    INFO(path);
    CHECK(bytes != MisbehavingServer::k_garbage);
  }
}

TEST_CASE("a corrupted remote entry is a miss: recomputed and not stored locally", "[system][remote]") {
  NginxServer server;
  TempRepo origin;
  set_up(origin, origin.scratch());
  REQUIRE(build(origin, "ANNEAL_REMOTE_CACHE=" + server.url()).status == 0);
  int cold_runs = runs(origin.scratch());

  // Flip one payload byte of every action entry (the checksum no longer matches) and cut
  // every blob short.
  std::map<std::string, std::string> corrupted;
  for (const auto& file : server.files()) {
    fs::path path = server.root() / file;
    std::string bytes = origin.run("cat '" + path.string() + "'").out;
    REQUIRE(bytes.size() > 40);
    if (file.starts_with("ac/"))
      bytes[30] = static_cast<char>(bytes[30] ^ 0x20);
    else
      bytes.resize(bytes.size() - 5);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    corrupted[file] = bytes;
  }

  auto clone = clone_of(origin);
  Outcome o = build(*clone, "ANNEAL_REMOTE_CACHE=" + server.url());
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  CHECK(o.err.find("unusable") == std::string::npos);  // a bad entry is not a bad remote
  CHECK(runs(origin.scratch()) == 2 * cold_runs);      // everything ran again
  CHECK(incumbent_tree(*clone) == incumbent_tree(origin));
  CHECK(ledger_without_times(*clone) == ledger_without_times(origin));
  auto local = local_entries(*clone);
  REQUIRE(!local.empty());
  for (const auto& [path, bytes] : local) {
    INFO(path);
    for (const auto& [remote_path, bad_bytes] : corrupted)
      CHECK(bytes != bad_bytes);
  }
}

TEST_CASE("the bearer token reaches the server and nothing else", "[system][remote]") {
  NginxServer server(k_token);
  TempRepo repo;
  std::string env;
  SECTION("named by token_env in the Annealfile") {
    set_up(repo, repo.scratch(), 5, fmt::format("cache: {{remote: \"{}\", token_env: CACHE_TOKEN}}", server.url()));
    env = fmt::format("CACHE_TOKEN={}", k_token);
  }
  SECTION("ANNEAL_REMOTE_TOKEN by default") {
    set_up(repo, repo.scratch());
    env = fmt::format("ANNEAL_REMOTE_CACHE={} ANNEAL_REMOTE_TOKEN={}", server.url(), k_token);
  }
  Outcome o = build(repo, env);
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  CHECK(remote_warnings(o) == 0);
  CHECK(!server.files().empty());  // nginx answers 401 to a request without the token
  CHECK(server.access_log().find(std::string("Bearer ") + k_token) != std::string::npos);
  CHECK(server.access_log().find(" 401 ") == std::string::npos);
  CHECK((o.out + o.err).find(k_token) == std::string::npos);
  CHECK(files_containing(repo, k_token).empty());
  Outcome shown = anneal_with(repo, std::string(k_clean_env) + " " + env, "show $(git rev-parse anneal/t) --json");
  CHECK(shown.out.find(k_token) == std::string::npos);
}

TEST_CASE("a rejected token is one warning that does not show the token", "[system][remote]") {
  NginxServer server(k_token);
  TempRepo repo;
  set_up(repo, repo.scratch());
  const std::string wrong = "tok-WRONG-secret-7";
  Outcome o = build(repo, fmt::format("ANNEAL_REMOTE_CACHE={} ANNEAL_REMOTE_TOKEN={}", server.url(), wrong));
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  CHECK(remote_warnings(o) == 1);
  CHECK((o.out + o.err).find(wrong) == std::string::npos);
  CHECK(files_containing(repo, wrong).empty());
  CHECK(server.files().empty());
}

TEST_CASE("the command line wins over the environment and the environment over the Annealfile", "[system][remote]") {
  NginxServer server;
  MisbehavingServer bad(Misbehaviour::Status500);
  TempRepo repo;
  Outcome o;
  SECTION("--remote-cache over ANNEAL_REMOTE_CACHE") {
    set_up(repo, repo.scratch());
    o = build(repo, "ANNEAL_REMOTE_CACHE=" + bad.url(), "--remote-cache " + server.url());
  }
  SECTION("ANNEAL_REMOTE_CACHE over cache.remote") {
    set_up(repo, repo.scratch(), 5, fmt::format("cache: {{remote: \"{}\"}}", bad.url()));
    o = build(repo, "ANNEAL_REMOTE_CACHE=" + server.url());
  }
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  CHECK(remote_warnings(o) == 0);
  CHECK(bad.requests() == 0);
  CHECK(!server.files().empty());
}

TEST_CASE("valid entries served under the wrong keys are misses: recomputed, never kept", "[system][remote]") {
  NginxServer server;
  TempRepo origin;
  set_up(origin, origin.scratch());
  REQUIRE(build(origin, "ANNEAL_REMOTE_CACHE=" + server.url()).status == 0);
  int cold_runs = runs(origin.scratch());

  // Every action entry moves to the next key: each is a well-formed, checksummed entry of
  // another node (a confused or hostile remote).
  std::vector<std::string> actions;
  for (const auto& file : server.files())
    if (file.starts_with("ac/"))
      actions.push_back(file);
  REQUIRE(actions.size() > 2);
  std::map<std::string, std::string> bytes_of;
  for (const auto& file : actions)
    bytes_of[file] = origin.run("cat '" + (server.root() / file).string() + "'").out;
  std::map<std::string, std::string> served;
  for (size_t i = 0; i < actions.size(); ++i) {
    served[actions[i]] = bytes_of[actions[(i + 1) % actions.size()]];
    std::ofstream(server.root() / actions[i], std::ios::binary | std::ios::trunc) << served[actions[i]];
  }

  auto clone = clone_of(origin);
  Outcome o = build(*clone, "ANNEAL_REMOTE_CACHE=" + server.url());
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  CHECK(o.err.find("internal error") == std::string::npos);
  CHECK(runs(origin.scratch()) == 2 * cold_runs);  // everything ran again
  CHECK(ledger_without_times(*clone) == ledger_without_times(origin));
  auto local = local_entries(*clone);
  for (const auto& [remote_path, bytes] : served) {
    INFO(remote_path);
    auto it = local.find(local_path_of(remote_path));
    CHECK((it == local.end() || it->second != bytes));
  }
  // Nothing left behind fails a later build.
  Outcome again = build(*clone, "ANNEAL_REMOTE_CACHE=" + server.url());
  INFO(again.out << again.err);
  CHECK(again.status == 0);
  CHECK(runs(origin.scratch()) == 2 * cold_runs);
}

TEST_CASE("a body past cache.max_entry_size is cut as it arrives and the remote skipped", "[system][remote]") {
  Misbehaviour mode = GENERATE(Misbehaviour::HugeBody, Misbehaviour::EndlessBody);
  MisbehavingServer bad(mode);
  TempRepo reference;
  set_up(reference, reference.scratch());
  REQUIRE(build(reference, "").status == 0);

  TempRepo repo;
  set_up(repo, repo.scratch(), 5, "cache:\n  max_entry_size: 1Mi");
  Outcome o = build(repo, "ANNEAL_REMOTE_CACHE=" + bad.url());
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  CHECK(remote_warnings(o) == 1);
  CHECK(o.err.find("larger than cache.max_entry_size (1.0 MB)") != std::string::npos);
  // Read up to the bound (and what was in flight), not the 4 GiB or the endless stream.
  CHECK(bad.streamed() < (uint64_t{64} << 20));
  CHECK(bad.requests("GET") <= 3);  // skipped by every later node of the build
  CHECK(runs(repo.scratch()) == runs(reference.scratch()));
  CHECK(incumbent_score(repo) == incumbent_score(reference));
}
