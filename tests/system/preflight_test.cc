// Mistakes caught before the first experiment: `anneal build` and `anneal build -n` stop at
// once, naming the Annealfile's line, when an agent's program is missing, a tune pattern
// does not match, a sample glob matches nothing or a temperature is out of range; counts in
// flags must make sense; and a build in which every experiment crashed fails, naming the log.
#include <catch2/catch.hpp>

#include <string>

#include "api_agent_harness.h"

using namespace anneal::system_test;
using anneal::llm::Provider;
using anneal::llm::test::FakeLlmServer;

namespace {

/// A project whose target `t` uses `agent`, with `extra` lines for the target.
void write_project(const TempRepo& repo, const std::string& agent, const std::string& extra = "") {
  repo.write("cfg.ini", "threads = 8\n");
  repo.write("Annealfile", with_scratch(fmt::format(R"(annealfile: 1
targets:
  t:
    artifact: [cfg.ini]
    agent: {}
    stages:
      - {{name: s, run: "echo run >> SCRATCH/stage.count; grep -c . cfg.ini"}}
    objective: {{metric: s, direction: minimize}}
    budget: {{experiments: 2}}
{})",
                                                    agent, extra),
                                        repo));
  repo.commit("project");
}

/// Both `build -n` and `build` fail with `error` (the whole first line of stderr) and run nothing.
void check_caught(const TempRepo& repo, const std::string& error) {
  for (const char* args : {"build -n", "build"}) {
    Outcome build = repo.anneal(args);
    INFO(args << "\nstdout:\n" << build.out << "stderr:\n" << build.err);
    CHECK(build.status == 1);
    CHECK(build.err.substr(0, build.err.find('\n')) == error);
  }
  CHECK(count_lines(repo.scratch() / "stage.count") == 0);
  CHECK(repo.run("ls .anneal/targets/t/experiments.jsonl").status != 0);
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

std::string head12(const TempRepo& repo) { return repo.run("git rev-parse --short=12 HEAD").out.substr(0, 12); }

}  // namespace

TEST_CASE("build and build -n catch a command agent whose program is not there", "[system][preflight]") {
  TempRepo repo;
  write_project(repo, "{kind: command, run: \"FOO=1 no-such-coding-agent -p \\\"$(cat $ANNEAL_PROMPT_FILE)\\\"\"}");
  check_caught(repo, fmt::format("Annealfile:5:33: error: agent 't.agent' runs 'no-such-coding-agent', which is "
                                 "neither on PATH nor a file in the repository at HEAD ({})",
                                 head12(repo)));
}

TEST_CASE("a command agent committed in the repository or on PATH passes the check", "[system][preflight]") {
  TempRepo repo;
  repo.write("agent.sh", "#!/bin/sh\necho 'threads = 9' > cfg.ini\n", true);
  write_project(repo, "{kind: command, run: ./agent.sh}");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  CHECK(build.status == 0);
  CHECK(repo.history("t").size() == 3);
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("build and build -n catch a tune pattern that does not match once at HEAD", "[system][preflight]") {
  TempRepo repo;
  write_project(repo, "{kind: tune, params: [{file: cfg.ini, pattern: \"workers = ([0-9]+)\", min: 1, max: 64}]}");
  check_caught(repo, fmt::format("Annealfile:5:59: error: cfg.ini: pattern 'workers = ([0-9]+)' matches 0 times; "
                                 "it must match exactly once (at HEAD {}, target 't')",
                                 head12(repo)));
}

TEST_CASE("build and build -n catch a judge sample glob that matches nothing", "[system][preflight]") {
  TempRepo repo;
  write_project(repo, "{kind: command, run: \"echo x >> cfg.ini\"}", R"(    judge:
      agent: {kind: api, provider: openai, model: gpt-4.1-mini, base_url: "http://127.0.0.1:9/v1"}
      samples: "prompts/*.txt"
      criteria: ["Is it clear?"]
)");
  check_caught(repo, "Annealfile:12:16: error: judge samples 'prompts/*.txt' of target 't' match no file (globs "
                     "are relative to the top of the repository)");
}

TEST_CASE("build and build -n catch a temperature the provider would refuse", "[system][preflight]") {
  TempRepo repo;
  write_project(repo, "{kind: api, provider: anthropic, model: claude-sonnet-4-5, temperature: 1.2}");
  check_caught(repo, "Annealfile:5:84: error: temperature 1.2 is outside anthropic's range (0 to 1)");
}

TEST_CASE("negative or zero counts in build's flags are usage errors", "[system][preflight]") {
  TempRepo repo;
  write_project(repo, "{kind: command, run: \"echo x >> cfg.ini\"}");
  for (const char* args : {"build --experiments -5", "build -k -1", "build -j 0", "build -j -2", "build -n -j 0"}) {
    Outcome build = repo.anneal(args);
    INFO(args << "\nstdout:\n" << build.out << "stderr:\n" << build.err);
    CHECK(build.status == 2);
    CHECK(build.err.find("-") != std::string::npos);
  }
  CHECK(count_lines(repo.scratch() / "stage.count") == 0);
  // Zero where it means something: --experiments 0 runs the baseline only, -k 0 never stops.
  Outcome baseline = repo.anneal("build --experiments 0 -k 0");
  INFO(baseline.out << baseline.err);
  CHECK(baseline.status == 0);
  CHECK(repo.history("t").size() == 1);
}

TEST_CASE("a build in which every experiment crashed fails and names the failing node's log", "[system][preflight]") {
  TempRepo repo;
  write_project(repo, "{kind: command, run: \"echo 'the agent broke' >&2; exit 3\"}");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  CHECK(build.status == 1);
  auto history = repo.history("t");
  REQUIRE(history.size() == 3);
  // Every failure line names where its log is.
  for (int id = 1; id <= 2; ++id) {
    std::string line = fmt::format("[{}/2] t #{} crashed", id, id);
    size_t at = build.out.find(line);
    REQUIRE(at != std::string::npos);
    std::string rest = build.out.substr(at, build.out.find('\n', at) - at);
    CHECK_THAT(rest, Catch::Contains("  log: anneal show "));
  }
  const std::string marker = "t: no experiment finished: 2 run, all crashed; the first failure's log: anneal show ";
  size_t at = build.err.find(marker);
  REQUIRE(at != std::string::npos);
  std::string key = build.err.substr(at + marker.size(), 16);
  Outcome shown = repo.anneal("show " + key);
  INFO(shown.out << shown.err);
  CHECK(shown.status == 0);
  CHECK_THAT(shown.out, Catch::Contains("the agent broke"));
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("models that take only their default temperature get none, in drafts and learnings", "[system][preflight][api]") {
  TempRepo repo;
  // The fake answers 400 to any temperature for these models, as OpenAI does.
  FakeLlmServer fake(Provider::openai, k_test_key);
  fake.respond_with([](const anneal::llm::test::Received& r) {
    if (r.body.at("messages").at(0).value("content", "").find("summarise") != std::string::npos)
      return std::string("- dropping filler words lowers the count");
    return drop_filler_reply(r);
  });
  std::string model = GENERATE(as<std::string>{}, "o3", "gpt-5-mini");
  write_wordy_project(repo,
                      fmt::format("{{kind: api, provider: openai, model: {}, base_url: \"{}\"}}", model, fake.base_url()),
                      "    drafts: 2\n    knowledge: {consolidate_every: 1}\n", 2);
  Outcome built = anneal_with(repo, "OPENAI_API_KEY=" + k_test_key, "build");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);
  auto requests = fake.received();
  REQUIRE(requests.size() == 6);  // 2 experiments × 2 drafts, and 2 consolidations
  for (const auto& r : requests)
    CHECK_FALSE(r.body.contains("temperature"));
  for (const auto& record : repo.history("words"))
    CHECK(record["outcome"] != "crashed");
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a reply with an absurd token count is a failed call, not a cost", "[system][preflight][api]") {
  TempRepo repo;
  FakeLlmServer fake(Provider::openai, k_test_key);
  auto body = nlohmann::json::parse(fake.reply_body("Hypothesis: nothing\n"));
  body["usage"] = {{"prompt_tokens", -316930000}, {"completion_tokens", 3}, {"total_tokens", -316929997}};
  fake.script({anneal::llm::test::answer(200, body.dump())});
  fake.respond_with(drop_filler_reply);
  write_wordy_project(repo,
                      fmt::format("{{kind: api, provider: openai, model: gpt-4.1-mini, base_url: \"{}\", pricing: "
                                  "{{input: 1, output: 1}}}}",
                                  fake.base_url()),
                      "", 2);
  Outcome built = anneal_with(repo, "OPENAI_API_KEY=" + k_test_key, "build");
  INFO(built.out << built.err);
  CHECK(built.status == 0);  // the second experiment finished
  auto history = repo.history("words");
  REQUIRE(history.size() == 3);
  CHECK(history[1]["outcome"] == "crashed");
  CHECK(history[1]["cost_usd"] == 0);
  CHECK_THAT(history[1]["detail"].get<std::string>(), Catch::Contains("-316930000 prompt tokens, a negative count"));
  CHECK(history[2]["outcome"] == "kept");
  auto status = nlohmann::json::parse(repo.anneal("status --json").out);
  CHECK(status[0]["spent_usd"].get<double>() >= 0);
  CHECK(repo.fsck_problems().empty());
}
