// The provider's rate limit, end to end: anneal-fake-llm answering after a delay and refusing
// a request beyond its limit with OpenAI's 429, a judge whose agent's max_concurrent says how
// many of its calls may be in flight. Asserts counts and behaviour, never durations.
#include <algorithm>
#include <regex>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "fake_llm_process.h"
#include "harness.h"

using namespace anneal::system_test;
using nlohmann::json;

namespace {

/// A target whose baseline is judged on `samples` inline samples, one criterion, one vote,
/// by a judge allowed `max_concurrent` requests at once and `agent_extra` more settings.
void judged_target(const TempRepo& repo, int port, int samples, int max_concurrent, const std::string& agent_extra = "") {
  std::string listed;
  for (int i = 1; i <= samples; ++i)
    listed += "        - \"Question " + std::to_string(i) + " about my backups\"\n";
  repo.write("Annealfile", R"(annealfile: 1
agents:
  critic: {kind: api, provider: openai, model: fake-judge, base_url: "http://127.0.0.1:)" +
                               std::to_string(port) + "/v1\", max_concurrent: " + std::to_string(max_concurrent) +
                               agent_extra + R"(}
targets:
  notes:
    artifact: [notes.md]
    agent: {kind: command, run: "echo more >> notes.md && echo more > \"$ANNEAL_HYPOTHESIS_FILE\""}
    judge:
      agent: critic
      samples:
)" + listed + R"(      criteria: ["Does the answer use at most three bullet points?"]
      votes: 1
    objective: {metric: judge, direction: maximize}
)");
  repo.write("notes.md", "- keep three copies\n- one off site\n");
  repo.commit("a judged note");
}

struct Seen {
  int answered = 0;  ///< judge requests answered
  int refused = 0;   ///< answered 429
  int most_in_flight = 0;
};

Seen seen_by(const FakeLlmProcess& fake) {
  Seen seen;
  for (const json& r : fake.requests()) {
    if (r.value("model", json()).is_string() && r.at("model") != "fake-judge")
      continue;
    if (r.contains("status") && r.at("status") == 429) {
      ++seen.refused;
    } else {
      ++seen.answered;
      seen.most_in_flight = std::max(seen.most_in_flight, r.value("in_flight", 0));
    }
  }
  return seen;
}

}  // namespace

TEST_CASE("a judge sending more at once than the provider allows waits out its 429s and judges every sample once",
          "[system][judge][ratelimit]") {
  TempRepo repo;
  // One request at a time, each answered after half a second: four judge nodes at once (the
  // agent allows 4) cannot all get in, and `retries: 1` leaves no try to spare on a 429.
  FakeLlmProcess fake(repo.scratch(), {"--max-concurrent", "1", "--delay-ms", "500"});
  judged_target(repo, fake.port(), 4, 4, ", retries: 1");
  auto built = repo.anneal("build --experiments 0");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);
  json history = repo.history("notes");
  REQUIRE(history.size() == 1);
  CHECK(history[0].at("outcome") == "baseline");
  CHECK(history[0].at("score").is_number());
  Seen seen = seen_by(fake);
  CHECK(seen.refused >= 1);    // the fake did refuse some: they were retried, not failed
  CHECK(seen.answered == 4);   // each sample's call answered exactly once
  CHECK(seen.most_in_flight == 1);
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a judge's calls run as many at once as its agent's max_concurrent, whatever -j allows the commands",
          "[system][judge][ratelimit]") {
  TempRepo repo;
  FakeLlmProcess fake(repo.scratch(), {"--delay-ms", "1500"});
  judged_target(repo, fake.port(), 6, 3);
  auto built = repo.anneal("build --experiments 0 -j 1");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);
  // The judge nodes share their provider's pool, as deep as max_concurrent; -j 1 is the
  // depth of the pool of everything else.
  std::string ninja = repo.read(".anneal/ninja/notes/build.ninja");
  INFO(ninja);
  CHECK_THAT(ninja, Catch::Contains("pool llm_openai\n  depth = 3\n"));
  CHECK_THAT(ninja, Catch::Contains("pool commands\n  depth = 1\n"));
  int judge_edges = 0;
  std::regex judge_edge("desc = judge sample [^\n]*\n  pool = ([a-z_]+)\n");
  for (auto it = std::sregex_iterator(ninja.begin(), ninja.end(), judge_edge); it != std::sregex_iterator(); ++it) {
    CHECK((*it)[1] == "llm_openai");
    ++judge_edges;
  }
  CHECK(judge_edges == 6);
  Seen seen = seen_by(fake);
  CHECK(seen.answered == 6);
  CHECK(seen.refused == 0);
  // With -j 1 bounding them, one call would have been in flight at a time; each takes 1.5 s,
  // so the pool's three started together overlap.
  CHECK(seen.most_in_flight >= 2);
  CHECK(seen.most_in_flight <= 3);
  CHECK(repo.fsck_problems().empty());
}
