// `anneal build` as a user drives it: improvement over the baseline, make-like no-op and
// partial rebuilds, extending the budget and halting on repeated failures.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <map>
#include <string>

#include "harness.h"

using namespace anneal::system_test;

namespace {

const double k_baseline_score = 150;

/// An agent that sets score.txt to a number (1..100) taken from its seed: deterministic for a
/// given seed, always better than the baseline's 150, and counted in `scratch/agent`.
std::string agent_script(const TempRepo& repo) {
  return fmt::format(
      "echo run >> {}/agent\n"
      "n=$(awk -v s=\"$ANNEAL_SEED\" 'BEGIN {{ print substr(s, length(s) - 1) + 1 }}')\n"
      "echo \"$n\" > score.txt\n"
      "echo \"score becomes $n\" > \"$ANNEAL_HYPOTHESIS_FILE\"\n",
      repo.scratch().string());
}

/// One target `t` with a gate and three stages (`pre`, the scored `score`, `post`), each
/// counting its runs in a file of `repo.scratch()` named after it.
std::string annealfile(const TempRepo& repo, const std::string& score_command = "cat score.txt",
                       int experiments = 5) {
  std::string s = repo.scratch().string();
  return fmt::format(R"(annealfile: 1
agents:
  bot: {{kind: command, run: "sh agent.sh", timeout: 30s}}
targets:
  t:
    artifact: [score.txt]
    agent: bot
    verify: [{{name: gate, run: "echo run >> {0}/gate"}}]
    stages:
      - {{name: pre, run: "echo run >> {0}/pre; echo 1"}}
      - {{name: score, run: "echo run >> {0}/score; {1}"}}
      - {{name: post, run: "echo run >> {0}/post; echo 2"}}
    objective: {{metric: score, direction: minimize}}
    search: {{strategy: greedy, seed: 1}}
    budget: {{experiments: {2}}}
)",
                     s, score_command, experiments);
}

void set_up(const TempRepo& repo, int experiments = 5) {
  repo.write("agent.sh", agent_script(repo));
  repo.write("score.txt", fmt::format("{}\n", k_baseline_score));
  repo.write("Annealfile", annealfile(repo, "cat score.txt", experiments));
  repo.commit("project");
}

/// How often each command has run so far.
std::map<std::string, int> counters(const TempRepo& repo) {
  std::map<std::string, int> counts;
  for (const char* name : {"agent", "gate", "pre", "score", "post"})
    counts[name] = count_lines(repo.scratch() / name);
  return counts;
}


std::string git(const TempRepo& repo, const std::string& args) {
  Outcome o = repo.run("git " + args);
  INFO("git " << args << ": " << o.err);
  REQUIRE(o.status == 0);
  return o.out;
}

/// What the user sees of their own checkout: HEAD, the branch, the index and the status.
std::string user_state(const TempRepo& repo) {
  return git(repo, "rev-parse HEAD") + git(repo, "symbolic-ref HEAD") + git(repo, "ls-files -s") +
         git(repo, "status --porcelain --untracked-files=all");
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a command agent improves on the baseline and every candidate is recorded in git", "[system]") {
  TempRepo repo;
  set_up(repo);
  std::string before = user_state(repo);

  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  CHECK(contains(build.out, "branch anneal/t"));

  auto history = repo.history("t");
  REQUIRE(history.size() == 6);
  CHECK(history[0]["outcome"] == "baseline");
  CHECK(history[0]["score"].get<double>() == k_baseline_score);
  CHECK(history[0]["commit"] == git(repo, "rev-parse HEAD").substr(0, 40));

  const nlohmann::json* best = &history[0];
  for (const auto& e : history) {
    INFO(e.dump());
    CHECK(e["id"].get<int>() == &e - &history[0]);
    if (e["outcome"] == "kept") {
      CHECK(e["score"].get<double>() < best->at("score").get<double>());
      CHECK(contains(e["hypothesis"].get<std::string>(), "score becomes"));
      best = &e;
    }
    if (e["commit"].is_string()) {
      std::string ref = e["outcome"] == "baseline"
                            ? "refs/anneal/t/baseline"
                            : fmt::format("refs/anneal/t/{}.{}", e["id"].get<int>(), e["draft"].get<int>());
      CHECK(git(repo, "rev-parse " + ref).substr(0, 40) == e["commit"].get<std::string>());
    }
  }
  REQUIRE(best != &history[0]);
  CHECK(best->at("score").get<double>() < k_baseline_score);
  CHECK(git(repo, "rev-parse refs/heads/anneal/t").substr(0, 40) == best->at("commit").get<std::string>());
  CHECK(git(repo, "show refs/heads/anneal/t:score.txt") ==
        fmt::format("{}\n", best->at("score").get<double>()));

  for (const auto& record : repo.ledger("t")) {
    INFO(record.dump());
    for (const char* field :
         {"id", "key", "outcome", "score", "commit", "hypothesis", "violations", "cost_usd", "duration_s"})
      CHECK(record.contains(field));
    CHECK(record["key"].get<std::string>().size() == 32);
    CHECK(record["violations"].is_array());
    CHECK(record["duration_s"].get<double>() >= 0);
  }

  CHECK(user_state(repo) == before);
  CHECK(repo.read("score.txt") == fmt::format("{}\n", k_baseline_score));
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a build with nothing changed runs nothing, and -n only says what would run", "[system]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(repo.anneal("build").status == 0);
  auto after_first = counters(repo);
  CHECK(after_first.at("agent") == 5);
  CHECK(after_first.at("score") >= 1);

  Outcome second = repo.anneal("build");
  INFO(second.out << second.err);
  CHECK(second.status == 0);
  CHECK(contains(second.out, "no work to do"));
  CHECK(counters(repo) == after_first);

  Outcome dry = repo.anneal("build -n");
  INFO(dry.out << dry.err);
  CHECK(dry.status == 0);
  CHECK(contains(dry.out, "up to date"));
  CHECK(!contains(dry.out, "would run"));
  CHECK(counters(repo) == after_first);

  // -n on a target never built lists its nodes and runs none.
  std::string two_targets = annealfile(repo);
  two_targets += two_targets.substr(two_targets.find("  t:\n")).replace(0, 5, "  u:\n");
  repo.write("Annealfile", two_targets);
  repo.commit("a second target");
  Outcome plan = repo.anneal("build -n");
  INFO(plan.out << plan.err);
  CHECK(plan.status == 0);
  CHECK(contains(plan.out, "u: never built"));
  CHECK(contains(plan.out, "would run"));
  CHECK(contains(plan.out, "u#0"));
  CHECK(!contains(plan.out, "t#"));  // t is still up to date
  CHECK(counters(repo) == after_first);
  CHECK(!repo.exists(".anneal/targets/u/experiments.jsonl"));
  CHECK(git(repo, "for-each-ref refs/anneal/u refs/heads/anneal/u").empty());

  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a changed stage re-runs only itself and the stages after it, --fresh re-runs all", "[system]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(repo.anneal("build").status == 0);
  auto first = counters(repo);
  auto history = repo.history("t");
  REQUIRE(first.at("score") >= 1);

  // Same scores, so the same decisions and the same mutations: only the evaluation differs.
  repo.write("Annealfile", annealfile(repo, "cat score.txt | cat"));
  Outcome replay = repo.anneal("build");
  INFO(replay.out << replay.err);
  REQUIRE(replay.status == 0);
  auto second = counters(repo);
  CHECK(second.at("agent") == first.at("agent"));
  CHECK(second.at("gate") == first.at("gate"));
  CHECK(second.at("pre") == first.at("pre"));
  CHECK(second.at("score") == 2 * first.at("score"));
  CHECK(second.at("post") == 2 * first.at("post"));
  auto replayed = repo.history("t");
  REQUIRE(replayed.size() == history.size());
  for (size_t i = 0; i < history.size(); ++i) {
    CHECK(replayed[i]["outcome"] == history[i]["outcome"]);
    CHECK(replayed[i]["score"] == history[i]["score"]);
    CHECK(replayed[i]["commit"] == history[i]["commit"]);
  }
  CHECK(repo.status() == " M Annealfile\n");

  Outcome fresh = repo.anneal("build --fresh");
  INFO(fresh.out << fresh.err);
  REQUIRE(fresh.status == 0);
  auto third = counters(repo);
  for (const auto& [name, count] : first) {
    INFO(name);
    CHECK(third.at(name) == second.at(name) + count);
  }
  CHECK(repo.history("t").size() == history.size());
  CHECK(repo.status() == " M Annealfile\n");
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a larger --experiments extends a finished target and a smaller one is up to date", "[system]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(repo.anneal("build --experiments 3").status == 0);
  CHECK(repo.history("t").size() == 4);
  auto three = counters(repo);
  CHECK(three.at("agent") == 3);

  Outcome more = repo.anneal("build --experiments 5");
  INFO(more.out << more.err);
  REQUIRE(more.status == 0);
  CHECK(contains(more.out, "#4 "));
  CHECK(contains(more.out, "#5 "));
  CHECK(!contains(more.out, "#3 "));
  CHECK(!contains(more.out, "#0 "));
  CHECK(counters(repo).at("agent") == 5);
  auto history = repo.history("t");
  REQUIRE(history.size() == 6);
  for (size_t i = 0; i < history.size(); ++i)
    CHECK(history[i]["id"].get<size_t>() == i);

  auto five = counters(repo);
  Outcome fewer = repo.anneal("build --experiments 4");
  INFO(fewer.out << fewer.err);
  CHECK(fewer.status == 0);
  CHECK(contains(fewer.out, "no work to do"));
  CHECK(counters(repo) == five);
  CHECK(repo.history("t").size() == 6);
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("an agent that always fails halts the target at max_consecutive_failures", "[system]") {
  TempRepo repo;
  repo.write("score.txt", "100\n");
  repo.write("Annealfile", fmt::format(R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {{kind: command, run: "echo run >> {}/agent; echo cannot think >&2; exit 1"}}
    stages: [{{name: score, run: "cat score.txt"}}]
    objective: {{metric: score, direction: minimize}}
    budget: {{experiments: 10, max_consecutive_failures: 3}}
)",
                                       repo.scratch().string()));
  repo.commit("project");

  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  CHECK(build.status == 1);
  CHECK(contains(build.err, "max_consecutive_failures"));
  CHECK(contains(build.err, "3 consecutive"));
  CHECK(count_lines(repo.scratch() / "agent") == 3);
  auto history = repo.history("t");
  REQUIRE(history.size() == 4);
  CHECK(history[0]["outcome"] == "baseline");
  for (size_t i = 1; i < history.size(); ++i) {
    CHECK(history[i]["outcome"] == "crashed");
    CHECK(contains(history[i]["detail"].get<std::string>(), "cannot think"));
  }
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}
