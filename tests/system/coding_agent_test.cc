// Coding-agent CLIs as `command` agents, driven through tests/fakes/claude: a stand-in for
// `claude -p PROMPT --output-format json` that edits score.txt, reports a cost and a
// hypothesis in Claude Code's result object, and records what it was given.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"

using namespace anneal::system_test;

namespace {

const std::string k_fakes = std::string(ANNEAL_SOURCE_DIR) + "/tests/fakes";
const std::string k_instructions = "Lower the number in score.txt.";

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// One run of the fake, as it recorded it.
struct Call {
  int experiment = -1;
  int draft = -1;
  double cost = 0;
  std::string outcome;  ///< success or error
};

std::string record_dir(const TempRepo& repo) {
  return (repo.scratch() / "claude").string();
}

std::vector<Call> calls(const TempRepo& repo) {
  std::vector<Call> out;
  std::ifstream in(record_dir(repo) + "/calls");
  for (Call c; in >> c.experiment >> c.draft >> c.cost >> c.outcome;)
    out.push_back(c);
  return out;
}

const Call* call_for(const std::vector<Call>& all, int experiment, int draft) {
  for (const auto& c : all)
    if (c.experiment == experiment && c.draft == draft)
      return &c;
  return nullptr;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Runs anneal with tests/fakes first on PATH, so `claude` is the fake; `env` adds
/// assignments such as "FAKE_CLAUDE_FAIL=2".
Outcome anneal_with_fakes(const TempRepo& repo, const std::string& args, const std::string& env = "") {
  return repo.run(fmt::format("PATH={}:\"$PATH\" FAKE_CLAUDE_RECORD={} ANNEAL_CONFIG_DIR={} {} {} {}", quote(k_fakes),
                              quote(record_dir(repo)), quote((repo.scratch() / "config").string()), env,
                              quote(anneal_binary()), args));
}

void set_up(const TempRepo& repo, const std::string& output_format, int experiments) {
  repo.write("score.txt", "150\n");
  repo.write("program.md", k_instructions + "\nEnd with a line `Hypothesis: …`.\n");
  repo.write("Annealfile", fmt::format(R"yaml(annealfile: 1
agents:
  claude:
    kind: command
    run: 'claude -p "$(cat "$ANNEAL_PROMPT_FILE")" --output-format {} --permission-mode acceptEdits'
    timeout: 30s
    cost_field: total_cost_usd
targets:
  t:
    artifact: [score.txt]
    scope: {{immutable: [Annealfile, program.md]}}
    instructions: program.md
    agent: claude
    stages: [{{name: score, run: "cat score.txt"}}]
    objective: {{metric: score, direction: minimize}}
    search: {{strategy: greedy, seed: 1}}
    budget: {{experiments: {}, max_consecutive_failures: 5}}
)yaml",
                                       output_format, experiments));
  repo.commit("project");
}

double spent_usd(const TempRepo& repo, const std::string& target) {
  Outcome status = repo.anneal("status --json");
  INFO(status.err);
  REQUIRE(status.status == 0);
  for (const auto& t : nlohmann::json::parse(status.out))
    if (t.at("name") == target)
      return t.at("spent_usd").get<double>();
  FAIL("no target " << target << " in status --json");
  return -1;
}

}  // namespace

TEST_CASE("claude as a command agent: its prompt, cost and hypothesis reach the ledger", "[system]") {
  std::string format = GENERATE(as<std::string>{}, "json", "stream-json");
  INFO("--output-format " << format);
  TempRepo repo;
  set_up(repo, format, 4);

  Outcome build = anneal_with_fakes(repo, "build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);

  // The fake ran once per experiment and got anneal's prompt, instructions included.
  auto made = calls(repo);
  REQUIRE(made.size() == 4);
  for (const auto& c : made) {
    std::string prompt = slurp(fmt::format("{}/prompt-{}.{}.md", record_dir(repo), c.experiment, c.draft));
    INFO(prompt);
    CHECK(contains(prompt, fmt::format("# anneal: target t, experiment {}", c.experiment)));
    CHECK(contains(prompt, k_instructions));
    CHECK(c.outcome == "success");
  }

  auto history = repo.history("t");
  REQUIRE(history.size() == 5);
  CHECK(history[0]["cost_usd"].get<double>() == 0);
  double total = 0;
  for (size_t i = 1; i < history.size(); ++i) {
    const auto& e = history[i];
    INFO(e.dump());
    const Call* c = call_for(made, e["id"].get<int>(), e["draft"].get<int>());
    REQUIRE(c);
    total += c->cost;
    // Waits for the command agent to read `cost_field` (agent_reported_cost).
    CHECK(e["cost_usd"].get<double>() == Approx(c->cost).margin(1e-9));
    // Waits for the command agent to read the hypothesis out of JSON (agent_reported_hypothesis).
    std::string hypothesis = e["hypothesis"].get<std::string>();
    CHECK(hypothesis.starts_with("score.txt = "));
    CHECK(hypothesis.ends_with(" scores better"));
    if (e["outcome"] == "kept" || e["outcome"] == "discarded")
      CHECK(hypothesis == fmt::format("score.txt = {} scores better", e["score"].get<double>()));
  }
  CHECK(total > 0);
  // Waits for the cost wiring too: spent_usd sums what the agent reported.
  CHECK(spent_usd(repo, "t") == Approx(total).margin(1e-9));

  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a claude run that fails is recorded as crashed, with its reason and its cost", "[system]") {
  TempRepo repo;
  set_up(repo, "json", 3);

  Outcome build = anneal_with_fakes(repo, "build", "FAKE_CLAUDE_FAIL=2");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);

  auto made = calls(repo);
  REQUIRE(made.size() == 3);
  auto history = repo.history("t");
  REQUIRE(history.size() == 4);
  double total = 0;
  for (const auto& c : made)
    total += c.cost;

  const auto& failed = history[2];
  INFO(failed.dump());
  CHECK(failed["outcome"] == "crashed");
  CHECK(failed["commit"].is_null());
  std::string detail = failed["detail"].get<std::string>();
  CHECK(contains(detail, "exit status 1"));
  // The reason is only in the JSON result (`"is_error": true`): waits for the command agent
  // to put agent_reported_error into the detail.
  CHECK(contains(detail, "API Error: 529"));
  // A failed run was still paid for. Waits for the cost wiring.
  const Call* c = call_for(made, 2, failed["draft"].get<int>());
  REQUIRE(c);
  CHECK(c->outcome == "error");
  CHECK(failed["cost_usd"].get<double>() == Approx(c->cost).margin(1e-9));

  for (int id : {1, 3}) {
    INFO(history[id].dump());
    CHECK(history[id]["outcome"] != "crashed");
  }
  CHECK(spent_usd(repo, "t") == Approx(total).margin(1e-9));
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("the coding-agents example checks without claude and runs with a stand-in", "[system]") {
  TempRepo repo;
  Outcome copied = repo.run(
      fmt::format("cp -R {}/. .", quote(std::string(ANNEAL_SOURCE_DIR) + "/examples/coding-agents")));
  REQUIRE(copied.status == 0);
  repo.commit("example");

  // A dry run starts no agent, but says at once, at the Annealfile's line, that there is no
  // `claude` to start; with the stand-in on PATH it plans.
  Outcome missing = repo.run(fmt::format("PATH=/usr/bin:/bin {} build -n", quote(anneal_binary())));
  INFO(missing.out << missing.err);
  CHECK(missing.status == 1);
  CHECK(contains(missing.err, "Annealfile:10:10: error: agent 'claude' runs 'claude', which is neither on PATH nor "
                              "a file in the repository"));
  Outcome dry = anneal_with_fakes(repo, "build -n");
  INFO(dry.out << dry.err);
  CHECK(dry.status == 0);
  CHECK(contains(dry.out, "primes: never built"));
  CHECK(calls(repo).empty());

  // With the stand-in the example's real command line runs; the stand-in's edit fails the
  // gate, and what it reported is recorded all the same.
  Outcome build = anneal_with_fakes(repo, "build --experiments 1", "FAKE_CLAUDE_FILE=primes.awk");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  auto made = calls(repo);
  REQUIRE(made.size() == 1);
  auto history = repo.history("primes");
  REQUIRE(history.size() == 2);
  INFO(history[1].dump());
  CHECK(history[1]["outcome"] == "rejected");
  CHECK(contains(history[1]["detail"].get<std::string>(), "gate correct"));
  CHECK(history[1]["cost_usd"].get<double>() == Approx(made[0].cost).margin(1e-9));  // waits for the wiring
  CHECK(repo.status().empty());
}

TEST_CASE("what a coding agent reports it cost counts against budget.usd_per_day", "[system]") {
  TempRepo repo;
  set_up(repo, "json", 5);
  // The fake charges 0.01 × experiment + 0.0025 (draft 0): 0.0125 then 0.0225, past 0.03 after two.
  std::string annealfile = repo.read("Annealfile");
  annealfile.replace(annealfile.find("max_consecutive_failures: 5}"), 29,
                     "max_consecutive_failures: 5, usd_per_day: 0.03}");
  repo.write("Annealfile", annealfile);
  repo.commit("a daily budget");

  Outcome build = anneal_with_fakes(repo, "build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  CHECK(contains(build.out + build.err, "stopped before experiment #3: daily budget reached"));
  CHECK(calls(repo).size() == 2);
  auto status = nlohmann::json::parse(repo.anneal("status --json").out);
  CHECK(status[0]["spent_today_usd"].get<double>() == Approx(0.0125 + 0.0225));

  // The same day, the next build stops again without running the agent.
  Outcome again = anneal_with_fakes(repo, "build");
  INFO(again.out << again.err);
  CHECK(again.status == 0);
  CHECK(contains(again.out + again.err, "daily budget reached"));
  CHECK(calls(repo).size() == 2);
  CHECK(repo.fsck_problems().empty());
}
