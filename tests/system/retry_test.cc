// Crashed is not a result: a node that could not do its work (its program not found, killed
// by a signal) stores nothing in the cache, and the next build runs exactly the experiments
// it broke again — same number, parent and seed — without asking the agents that answered.
// What a candidate earns (a failed gate) stays a result and is never run again.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "api_agent_harness.h"
#include "harness.h"
#include "nginx_server.h"

using namespace anneal::system_test;
using anneal::llm::Provider;
using anneal::llm::test::answer;
using anneal::llm::test::FakeLlmServer;
using anneal::llm::test::openai_error_body;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// The lines of a file, in order (empty when missing).
std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::vector<std::string> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

/// The ledger's records, every attempt, in the order they were written.
std::vector<nlohmann::json> ledger(const TempRepo& repo, const std::string& target) {
  std::vector<nlohmann::json> out;
  for (const auto& line : lines_of(repo.path() / ".anneal" / "targets" / target / "experiments.jsonl"))
    out.push_back(nlohmann::json::parse(line));
  return out;
}

nlohmann::json status_of(const TempRepo& repo, const std::string& target) {
  Outcome status = repo.anneal("status --json");
  INFO(status.err);
  REQUIRE(status.status == 0);
  for (const auto& t : nlohmann::json::parse(status.out))
    if (t.at("name") == target)
      return t;
  FAIL("no target " << target);
  return nullptr;
}

/// The agent's calls by "EXPERIMENT.DRAFT", each as the line it logged (seed and parent).
std::multimap<std::string, std::string> calls_by_draft(const std::vector<std::string>& lines) {
  std::multimap<std::string, std::string> out;
  for (const auto& line : lines)
    out.emplace(line.substr(0, line.find(' ')), line);
  return out;
}

/// A coding agent run through a wrapper script in the scratch folder that calls a CLI: where
/// SCRATCH/missing-E.D exists, the CLI of draft D of experiment E is not installed (exit
/// status 127, as when it is not on PATH). Each run logs "E.D seed=S parent=P".
void make_project(const TempRepo& repo, int experiments, int drafts, const std::string& extra = "") {
  std::ofstream(repo.scratch() / "agent.sh") << with_scratch(R"sh(echo "$ANNEAL_EXPERIMENT.$ANNEAL_DRAFT seed=$ANNEAL_SEED parent=$ANNEAL_PARENT" >> SCRATCH/calls
if [ -e "SCRATCH/missing-$ANNEAL_EXPERIMENT.$ANNEAL_DRAFT" ]; then
  coding-cli-not-installed -p "$(cat "$ANNEAL_PROMPT_FILE")"
  exit
fi
n=$(cat score.txt)
echo $((n - 1 - ANNEAL_DRAFT)) > score.txt
)sh",
                                                             repo);
  repo.write("score.txt", "100\n");
  repo.write("Annealfile", with_scratch(fmt::format(R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    scope: {{immutable: [Annealfile]}}
    agent: {{kind: command, run: "sh SCRATCH/agent.sh", timeout: 20s}}
    drafts: {}
    stages: [{{name: score, run: "echo run >> SCRATCH/stage.count; cat score.txt"}}]
    objective: {{metric: score, direction: minimize}}
    search: {{strategy: greedy, seed: 7}}
    budget: {{experiments: {}, max_consecutive_failures: 5}}
{})",
                                                    drafts, experiments, extra),
                                        repo));
  repo.commit("project");
}

void mark_missing(const TempRepo& repo, const std::string& draft) { std::ofstream(repo.scratch() / ("missing-" + draft)); }

}  // namespace

TEST_CASE("experiments whose agent CLI was missing run again, alone, once it is installed", "[system][retry]") {
  TempRepo repo;
  make_project(repo, 4, 2);
  // #2 loses one draft of two, #3 both: the CLI is missing for those runs.
  for (const char* draft : {"2.1", "3.0", "3.1"})
    mark_missing(repo, draft);

  Outcome first = repo.anneal("build");
  INFO(first.out << first.err);
  REQUIRE(first.status == 0);  // two experiments finished
  CHECK(contains(first.out + first.err, "#2, #3 did not finish (anneal build runs them again)"));
  std::vector<std::string> calls = lines_of(repo.scratch() / "calls");
  REQUIRE(calls.size() == 8);
  nlohmann::json history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 5);
  for (int id : {2, 3}) {
    CHECK(history[id]["outcome"] == "crashed");
    CHECK(history[id]["finished"] == false);
    CHECK(contains(history[id]["detail"].get<std::string>(), "exit status 127"));
  }
  CHECK(history[1]["finished"] == true);
  CHECK(history[4]["finished"] == true);
  // The budget counts what finished: 2 of 4, and the target is not up to date.
  nlohmann::json status = status_of(repo, "t");
  CHECK(status["experiments"] == 2);
  Outcome dry = repo.anneal("build -n");
  INFO(dry.out << dry.err);
  CHECK(dry.status == 0);
  CHECK(contains(dry.out + dry.err, "#2, #3 to run again"));
  CHECK(lines_of(repo.scratch() / "calls").size() == 8);  // -n asks no agent
  CHECK(contains(repo.anneal("show t#2").out, "outcome: crashed"));

  // The CLI is installed: exactly the three runs that could not happen happen now, as they
  // were planned (same experiment, seed and parent), and #2's first draft is not asked again.
  std::filesystem::remove(repo.scratch() / "missing-2.1");
  std::filesystem::remove(repo.scratch() / "missing-3.0");
  std::filesystem::remove(repo.scratch() / "missing-3.1");
  Outcome second = repo.anneal("build");
  INFO(second.out << second.err);
  REQUIRE(second.status == 0);
  std::vector<std::string> after = lines_of(repo.scratch() / "calls");
  REQUIRE(after.size() == 11);
  std::vector<std::string> again(after.begin() + 8, after.end());
  std::sort(again.begin(), again.end());
  auto before = calls_by_draft(calls);
  std::vector<std::string> expected;
  for (const char* draft : {"2.1", "3.0", "3.1"}) {
    REQUIRE(before.count(draft) == 1);
    expected.push_back(before.find(draft)->second);
  }
  std::sort(expected.begin(), expected.end());
  CHECK(again == expected);

  // History shows each experiment once, its latest attempt and how many there were; the
  // ledger keeps every attempt.
  history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 5);
  for (int id = 1; id <= 4; ++id) {
    CHECK(history[id]["id"] == id);
    CHECK(history[id]["finished"] == true);
    CHECK(history[id]["outcome"] != "crashed");
    CHECK(history[id]["attempts"] == (id == 2 || id == 3 ? 2 : 1));
  }
  std::vector<nlohmann::json> records = ledger(repo, "t");
  REQUIRE(records.size() == 7);  // the baseline, four first attempts, two second ones
  CHECK(records[5]["id"] == 2);
  CHECK(records[5]["attempt"] == 2);
  CHECK(records[6]["id"] == 3);
  CHECK(records[6]["attempt"] == 2);
  CHECK(records[2]["unfinished"] == true);
  CHECK_FALSE(records[5].contains("unfinished"));
  Outcome text = repo.anneal("history t");
  CHECK(contains(text.out, "(2 attempts)"));
  Outcome shown = repo.anneal("show t#2");  // the latest attempt
  INFO(shown.out << shown.err);
  CHECK(shown.status == 0);
  CHECK_FALSE(contains(shown.out, "outcome: crashed"));
  CHECK(contains(repo.anneal("show t#9").err, "its run has #0 to #4"));

  status = status_of(repo, "t");
  CHECK(status["experiments"] == 4);
  Outcome third = repo.anneal("build");
  INFO(third.out << third.err);
  CHECK(third.status == 0);
  CHECK(contains(third.out, "no work to do"));
  CHECK(lines_of(repo.scratch() / "calls").size() == 11);
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a stage killed by a signal is run again, the agent that answered is not asked again", "[system][retry]") {
  TempRepo repo;
  make_project(repo, 1, 1);
  // The first time the stage sees a candidate (not the baseline's 100) it is killed.
  std::string annealfile = repo.read("Annealfile");
  std::string stage = with_scratch(
      R"([{name: score, run: "echo run >> SCRATCH/stage.count; if [ $(cat score.txt) != 100 ] && [ ! -e SCRATCH/killed ]; then : > SCRATCH/killed; kill -9 $$; fi; cat score.txt"}])",
      repo);
  size_t at = annealfile.find("stages: ");
  size_t end = annealfile.find('\n', at);
  repo.write("Annealfile", annealfile.substr(0, at) + "stages: " + stage + annealfile.substr(end));
  repo.commit("a stage that is killed once");

  Outcome first = repo.anneal("build");
  INFO(first.out << first.err);
  CHECK(first.status == 1);  // no experiment finished
  CHECK(contains(first.err, "no experiment finished"));
  nlohmann::json history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  CHECK(history[1]["outcome"] == "crashed");
  CHECK(history[1]["finished"] == false);
  CHECK(contains(history[1]["detail"].get<std::string>(), "signal 9"));
  CHECK(count_lines(repo.scratch() / "calls") == 1);
  CHECK(count_lines(repo.scratch() / "stage.count") == 2);

  Outcome second = repo.anneal("build");
  INFO(second.out << second.err);
  REQUIRE(second.status == 0);
  history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  CHECK(history[1]["outcome"] == "kept");
  CHECK(history[1]["score"] == 99.0);
  CHECK(history[1]["attempts"] == 2);
  CHECK(count_lines(repo.scratch() / "calls") == 1);        // the mutation was a cache hit
  CHECK(count_lines(repo.scratch() / "stage.count") == 3);  // the stage ran once more
  CHECK(repo.run("git show anneal/t:score.txt").out == "99\n");
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a candidate rejected by a gate is a result: it is not run again", "[system][retry]") {
  TempRepo repo;
  make_project(repo, 1, 1,
               "    verify: [{name: check, run: \"echo run >> SCRATCH/gate.count; test $(cat score.txt) -ge 100\"}]\n");
  Outcome first = repo.anneal("build");
  INFO(first.out << first.err);
  REQUIRE(first.status == 0);
  nlohmann::json history = repo.history("t");
  INFO(history.dump(2));
  REQUIRE(history.size() == 2);
  CHECK(history[1]["outcome"] == "rejected");
  CHECK(history[1]["finished"] == true);
  CHECK(count_lines(repo.scratch() / "gate.count") == 2);  // the baseline and the candidate

  Outcome second = repo.anneal("build");
  INFO(second.out << second.err);
  CHECK(second.status == 0);
  CHECK(contains(second.out, "no work to do"));
  // A change to the configuration replays the target from the cache: the failed gate is a
  // cached result, so neither it nor the agent runs again.
  std::string annealfile = repo.read("Annealfile");
  size_t at = annealfile.find("max_consecutive_failures: 5");
  repo.write("Annealfile", annealfile.replace(at, 27, "max_consecutive_failures: 6"));  // read like a Makefile
  Outcome replay = repo.anneal("build");
  INFO(replay.out << replay.err);
  REQUIRE(replay.status == 0);
  CHECK(contains(replay.out + replay.err, "replaying from the baseline"));
  CHECK(count_lines(repo.scratch() / "calls") == 1);
  CHECK(count_lines(repo.scratch() / "gate.count") == 2);
  history = repo.history("t");
  REQUIRE(history.size() == 2);
  CHECK(history[1]["outcome"] == "rejected");
  CHECK(history[1]["attempts"] == 1);
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a call the provider failed is sent again by the next build, and only that call", "[system][retry][api]") {
  TempRepo repo;
  FakeLlmServer fake(Provider::openai, k_test_key);
  std::string server_error = openai_error_body("server_error", "", "The server had an error.");
  // One call at a time (max_concurrent: 1; -j bounds only the commands): the first draft's
  // call takes both failures (its two tries), the second draft's passes.
  fake.script({answer(500, server_error), answer(500, server_error)});
  fake.respond_with(drop_filler_reply);
  write_wordy_project(repo, api_agent("openai", fake.base_url(), "retries: 2, max_concurrent: 1"),
                      "    drafts: 2\n", 2);
  const std::string env = "OPENAI_API_KEY=" + k_test_key;

  Outcome first = anneal_with(repo, env, "build -j 1");
  INFO(first.out << first.err);
  REQUIRE(first.status == 0);
  auto requests = fake.received();
  REQUIRE(requests.size() == 5);  // #1: 2 failed tries and the second draft; #2: two drafts
  nlohmann::json history = repo.history("words");
  INFO(history.dump(2));
  REQUIRE(history.size() == 3);
  CHECK(history[1]["outcome"] == "crashed");
  CHECK(history[1]["finished"] == false);
  CHECK_THAT(history[1]["detail"].get<std::string>(), Catch::Contains("HTTP 500"));

  Outcome second = anneal_with(repo, env, "build -j 1");
  INFO(second.out << second.err);
  REQUIRE(second.status == 0);
  requests = fake.received();
  REQUIRE(requests.size() == 6);
  CHECK(requests[5].body == requests[0].body);  // the same request: prompt, seed, temperature
  history = repo.history("words");
  REQUIRE(history.size() == 3);
  CHECK(history[1]["finished"] == true);
  CHECK(history[1]["attempts"] == 2);
  CHECK(history[1]["outcome"] != "crashed");
  CHECK(status_of(repo, "words")["experiments"] == 2);
  CHECK(files_containing(repo, k_test_key) == "");
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("what did not finish never reaches the remote cache, what did, does", "[system][retry][remote]") {
  NginxServer server;
  TempRepo repo;
  make_project(repo, 2, 2);
  mark_missing(repo, "1.1");
  const std::string env = "env -u ANNEAL_REMOTE_READ_ONLY -u ANNEAL_REMOTE_TOKEN -u ANNEAL_REMOTE_TOKEN_ENV "
                          "ANNEAL_REMOTE_CACHE=" + server.url();
  Outcome first = repo.run(env + " ANNEAL_CONFIG_DIR='" + (repo.scratch() / "config").string() + "' " +
                           anneal_binary() + " build -j 1");
  INFO(first.out << first.err);
  REQUIRE(first.status == 0);
  std::vector<nlohmann::json> records = ledger(repo, "t");
  REQUIRE(records.size() == 3);
  REQUIRE(records[1]["unfinished"] == true);
  auto on_remote = [&](const nlohmann::json& key) {
    std::vector<std::string> files = server.files();
    return std::find(files.begin(), files.end(), "ac/" + key.get<std::string>()) != files.end();
  };
  CHECK_FALSE(on_remote(records[1]["mutations"][1]));  // the draft whose CLI was missing
  CHECK_FALSE(on_remote(records[1]["key"]));           // the experiment it left undecided
  CHECK(on_remote(records[1]["mutations"][0]));        // the draft that answered
  CHECK(on_remote(records[2]["key"]));
  for (const auto& file : server.files())
    CHECK(file.rfind("at/", 0) != 0);
  CHECK(repo.fsck_problems().empty());
}
