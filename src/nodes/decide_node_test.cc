#include "nodes/decide_node.h"

#include <stdlib.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "temp_dir.h"

using namespace anneal;
using namespace anneal::nodes;
namespace fs = std::filesystem;
using nlohmann::json;
using Approx = Catch::Detail::Approx;

namespace {

using anneal::testing::TempDir;

NodeResult ok(std::optional<double> score = std::nullopt) {
  NodeResult r;
  r.score = score;
  r.duration_s = 1;
  return r;
}

NodeResult with(Outcome outcome, std::string detail, std::optional<double> score = std::nullopt) {
  NodeResult r = ok(score);
  r.outcome = outcome;
  r.detail = std::move(detail);
  return r;
}

NodeResult mutation(int draft, Outcome outcome = Outcome::Ok) {
  NodeResult r;
  r.outcome = outcome;
  r.commit = std::string(40, static_cast<char>('0' + draft));
  r.hypothesis = fmt::format("idea {}", draft);
  r.duration_s = 10;
  r.cost_usd = 0.25;
  return r;
}

/// One draft's upstream results, as the decide node finds them in the cache.
struct Draft {
  std::optional<NodeResult> mutate;  ///< unset: the baseline commit
  std::vector<NodeResult> gates = {ok()};
  NodeResult smoke = ok();
  NodeResult latency = ok(42);
  json duplicate;  ///< set: the draft made a tree measured before (no gates, no stages)
};

/// A cache in a temporary directory and the decide specs to run against it.
class Fixture {
 public:
  Fixture() : m_store(m_dir.path() / "cache") {
    m_context.store = &m_store;
    m_context.anneal_dir = m_dir.path();
  }

  /// Stores `result` under a fresh key and returns the key.
  std::string put(const NodeResult& result) {
    auto key = make_spec({{"kind", "test"}, {"n", m_next++}}).key;
    REQUIRE((result.unfinished ? m_store.put_attempt(key, result.serialize())
                               : m_store.put_action(key, result.serialize())));
    return key.hex();
  }

  json candidate(int draft, const Draft& d) {
    json gates = json::array();
    for (const auto& g : d.gates)
      gates.push_back(put(g));
    json candidate = d.mutate ? json{{"mutate", put(*d.mutate)}} : json{{"commit", std::string(40, 'b')}};
    if (!d.duplicate.is_null())
      return {{"draft", draft}, {"candidate", candidate}, {"duplicate", d.duplicate}};
    return {{"draft", draft},
            {"candidate", candidate},
            {"gates", gates},
            {"stages", {{"smoke", put(d.smoke)}, {"latency", put(d.latency)}}}};
  }

  /// Decides experiment `experiment` over `drafts`; id 0 is the baseline.
  NodeResult decide(const std::vector<Draft>& drafts, int experiment = 1,
                    const std::string& direction = "minimize", double incumbent = 42,
                    double min_improvement = 0) {
    json candidates = json::array();
    for (size_t i = 0; i < drafts.size(); ++i)
      candidates.push_back(candidate(static_cast<int>(i), drafts[i]));
    NodeSpec spec = make_spec({{"kind", "decide"},
                               {"target", "speed"},
                               {"experiment", experiment},
                               {"baseline", experiment == 0},
                               {"metric", "latency"},
                               {"direction", direction},
                               {"min_improvement", min_improvement},
                               {"search", json::object()},
                               {"state", json::object()},
                               {"incumbent_score", experiment == 0 ? json(nullptr) : json(incumbent)},
                               {"candidates", candidates}});
    auto result = execute_decide(m_context, spec);
    if (!result)
      FAIL(result.error().message);
    INFO(result->decision.dump(2));
    REQUIRE(result->ok());
    return *result;
  }

  NodeContext& context() { return m_context; }

 private:
  TempDir m_dir;
  cache::LocalStore m_store;
  NodeContext m_context;
  int m_next = 0;
};

Draft candidate_scoring(int draft, double latency) {
  Draft d;
  d.mutate = mutation(draft);
  d.latency = ok(latency);
  return d;
}

}  // namespace

TEST_CASE("decide measures the baseline", "[nodes]") {
  Fixture f;
  SECTION("passing its checks") {
    json d = f.decide({Draft{}}, 0).decision;
    CHECK(d.at("outcome") == "baseline");
    CHECK(d.at("accept") == true);
    CHECK(d.at("score") == 42.0);
    CHECK(d.at("scores") == json{{"latency", 42.0}});
    CHECK(d.at("commit") == std::string(40, 'b'));
    CHECK(d.at("reason") == "baseline measured");
    CHECK(d.at("duration_s") == Approx(3));  // one gate and two stages, a second each
  }
  SECTION("failing its checks") {
    Draft broken;
    broken.gates = {ok(), with(Outcome::Failed, "gate build: exit status 2")};
    broken.smoke = with(Outcome::Skipped, "an earlier check was failed");
    broken.latency = with(Outcome::Skipped, "an earlier check was failed");
    json d = f.decide({broken}, 0).decision;
    CHECK(d.at("outcome") == "rejected");
    CHECK(d.at("accept") == false);
    CHECK(d.at("score").is_null());
    CHECK(d.at("detail") == "gate build: exit status 2");
    CHECK(d.at("reason") == "the baseline failed: gate build: exit status 2");
  }
}

TEST_CASE("greedy keeps a better candidate and discards a worse one", "[nodes]") {
  Fixture f;
  SECTION("minimize") {
    json kept = f.decide({candidate_scoring(0, 40)}, 1, "minimize", 42).decision;
    CHECK(kept.at("outcome") == "kept");
    CHECK(kept.at("accept") == true);
    CHECK(kept.at("score") == 40.0);
    CHECK(kept.at("commit") == mutation(0).commit);
    CHECK(kept.at("hypothesis") == "idea 0");
    CHECK(kept.at("probability") == 1.0);
    CHECK(kept.at("state").at("experiments") == 1);

    json discarded = f.decide({candidate_scoring(0, 45)}, 1, "minimize", 42).decision;
    CHECK(discarded.at("outcome") == "discarded");
    CHECK(discarded.at("accept") == false);
    CHECK(discarded.at("score") == 45.0);
    CHECK(discarded.at("commit") == mutation(0).commit);
    CHECK(discarded.at("probability") == 0.0);

    CHECK(f.decide({candidate_scoring(0, 42)}, 1, "minimize", 42).decision.at("outcome") == "discarded");
  }
  SECTION("maximize") {
    CHECK(f.decide({candidate_scoring(0, 45)}, 1, "maximize", 42).decision.at("outcome") == "kept");
    CHECK(f.decide({candidate_scoring(0, 40)}, 1, "maximize", 42).decision.at("outcome") == "discarded");
    CHECK(f.decide({candidate_scoring(0, 42)}, 1, "maximize", 42).decision.at("outcome") == "discarded");
  }
  SECTION("min_improvement") {
    CHECK(f.decide({candidate_scoring(0, 45)}, 1, "maximize", 42, 5).decision.at("outcome") == "discarded");
    CHECK(f.decide({candidate_scoring(0, 48)}, 1, "maximize", 42, 5).decision.at("outcome") == "kept");
    CHECK(f.decide({candidate_scoring(0, 38)}, 1, "minimize", 42, 5).decision.at("outcome") == "discarded");
    CHECK(f.decide({candidate_scoring(0, 36)}, 1, "minimize", 42, 5).decision.at("outcome") == "kept");
  }
}

TEST_CASE("a failed check rejects the candidate with that check's detail", "[nodes]") {
  Fixture f;
  Draft d = candidate_scoring(0, 10);
  std::string expected_outcome = "rejected";
  std::string detail;
  SECTION("a gate that failed") {
    detail = "gate typecheck: exit status 1\nsrc/a.py:3: error: bad type";
    d.gates = {ok(), with(Outcome::Failed, detail)};
    d.smoke = with(Outcome::Skipped, "an earlier check was failed");
    d.latency = with(Outcome::Skipped, "an earlier check was failed");
  }
  SECTION("a gate that timed out") {
    expected_outcome = "crashed";
    detail = "gate typecheck: timed out after 60s";
    d.gates = {with(Outcome::Crashed, detail)};
    d.smoke = with(Outcome::Skipped, "an earlier check was crashed");
    d.latency = with(Outcome::Skipped, "an earlier check was crashed");
  }
  SECTION("a stage whose score fails keep_if") {
    detail = "stage latency: 55 fails keep_if < 50";
    d.latency = with(Outcome::Rejected, detail, 55);
  }
  SECTION("a stage that failed") {
    detail = "stage smoke: exit status 1";
    d.smoke = with(Outcome::Failed, detail);
    d.latency = with(Outcome::Skipped, "an earlier check was failed");
  }
  json decision = f.decide({d}, 1, "minimize", 42).decision;
  CHECK(decision.at("outcome") == expected_outcome);
  CHECK(decision.at("accept") == false);
  CHECK(decision.at("detail") == detail);
  CHECK(decision.at("reason") == detail);
  CHECK(decision.at("score").is_null());
  CHECK(decision.at("commit") == mutation(0).commit);
  CHECK(decision.at("hypothesis") == "idea 0");
  // A failure still counts as an experiment for the search.
  CHECK(decision.at("state").at("experiments") == 1);
}

TEST_CASE("a blocked mutation is recorded as blocked with its violations", "[nodes]") {
  Fixture f;
  Draft d;
  d.mutate = mutation(0, Outcome::Blocked);
  d.mutate->detail = "the change reaches outside the scope";
  d.mutate->violations = {{"tests/test_api.py", "immutable"}, {"../etc/passwd", "outside the worktree"}};
  d.gates = {with(Outcome::Skipped, "the mutation was blocked")};
  d.smoke = with(Outcome::Skipped, "the mutation was blocked");
  d.latency = with(Outcome::Skipped, "the mutation was blocked");
  json decision = f.decide({d}).decision;
  CHECK(decision.at("outcome") == "blocked");
  CHECK(decision.at("accept") == false);
  CHECK(decision.at("detail") == "the change reaches outside the scope");
  CHECK(decision.at("violations") ==
        json::array({{{"path", "tests/test_api.py"}, {"reason", "immutable"}},
                     {{"path", "../etc/passwd"}, {"reason", "outside the worktree"}}}));
  CHECK(decision.at("score").is_null());

  SECTION("a crashed agent is crashed") {
    Draft c = d;
    c.mutate = mutation(0, Outcome::Crashed);
    c.mutate->detail = "agent: timed out after 600s";
    json crashed = f.decide({c}).decision;
    CHECK(crashed.at("outcome") == "crashed");
    CHECK(crashed.at("detail") == "agent: timed out after 600s");
  }
}

TEST_CASE("the best of several drafts is the one compared with the incumbent", "[nodes]") {
  Fixture f;
  Draft blocked;
  blocked.mutate = mutation(1, Outcome::Unchanged);
  blocked.mutate->detail = "no change";
  Draft over_limit = candidate_scoring(3, 5);
  over_limit.latency = with(Outcome::Rejected, "stage latency: 5 fails keep_if > 20", 5);

  std::vector<Draft> drafts = {candidate_scoring(0, 41), blocked, candidate_scoring(2, 39), over_limit,
                               candidate_scoring(4, 44)};
  SECTION("minimize") {
    json d = f.decide(drafts, 1, "minimize", 42).decision;
    CHECK(d.at("outcome") == "kept");
    CHECK(d.at("draft") == 2);
    CHECK(d.at("score") == 39.0);
    CHECK(d.at("commit") == mutation(2).commit);
    CHECK(d.at("hypothesis") == "idea 2");
    // Every draft's cost counts, not only the chosen one's.
    CHECK(d.at("cost_usd") == Approx(5 * 0.25));
  }
  SECTION("maximize") {
    json d = f.decide(drafts, 1, "maximize", 42).decision;
    CHECK(d.at("outcome") == "kept");
    CHECK(d.at("draft") == 4);
    CHECK(d.at("score") == 44.0);
  }
  SECTION("the best draft is discarded when it does not beat the incumbent") {
    json d = f.decide(drafts, 1, "minimize", 30).decision;
    CHECK(d.at("outcome") == "discarded");
    CHECK(d.at("draft") == 2);
  }
  SECTION("when every draft failed, the first draft's failure is the outcome") {
    json d = f.decide({blocked, over_limit}, 1, "minimize", 42).decision;
    CHECK(d.at("outcome") == "unchanged");
    CHECK(d.at("draft") == 0);
    CHECK(d.at("detail") == "no change");
  }
}

TEST_CASE("a stage that passed without a score for the metric crashes the experiment", "[nodes]") {
  Fixture f;
  Draft d = candidate_scoring(0, 0);
  d.latency = ok();
  json decision = f.decide({d}).decision;
  CHECK(decision.at("outcome") == "crashed");
  CHECK(decision.at("accept") == false);
  CHECK(decision.at("detail") == "stage latency gave no score");

  SECTION("for the baseline too") {
    Draft base;
    base.latency = ok();
    json baseline = f.decide({base}, 0).decision;
    CHECK(baseline.at("outcome") == "crashed");
    CHECK(baseline.at("accept") == false);
  }
}

TEST_CASE("decide fails, naming the node, when an upstream result is missing", "[nodes]") {
  Fixture f;
  std::string missing = make_spec({{"kind", "stage"}, {"name", "never run"}}).key.hex();
  json candidate = f.candidate(0, candidate_scoring(0, 40));
  candidate["stages"]["latency"] = missing;
  NodeSpec spec = make_spec({{"kind", "decide"},
                             {"target", "speed"},
                             {"experiment", 1},
                             {"baseline", false},
                             {"metric", "latency"},
                             {"direction", "minimize"},
                             {"min_improvement", 0},
                             {"search", json::object()},
                             {"state", json::object()},
                             {"incumbent_score", 42},
                             {"candidates", json::array({candidate})}});
  auto result = execute_decide(f.context(), spec);
  REQUIRE_FALSE(result);
  CHECK(result.error().message == "node " + missing + " has no result in the cache");
}

TEST_CASE("a draft that did not finish leaves the experiment undecided, to be run again", "[nodes]") {
  Fixture f;
  Draft missing_cli;
  missing_cli.mutate = mutation(1, Outcome::Crashed);
  missing_cli.mutate->detail = "agent: exit status 127\nsh: 1: claude: not found";
  missing_cli.mutate->unfinished = true;
  Draft timed_out = candidate_scoring(1, 30);
  timed_out.latency = with(Outcome::Crashed, "stage latency: timed out after 60s");
  timed_out.latency.unfinished = true;
  Draft gate_failed = candidate_scoring(1, 30);
  gate_failed.gates = {with(Outcome::Failed, "gate typecheck: exit status 1")};

  SECTION("an agent that could not run: the draft that finished does not decide alone") {
    NodeResult r = f.decide({candidate_scoring(0, 39), missing_cli});
    CHECK(r.unfinished);
    CHECK(r.decision.at("outcome") == "crashed");
    CHECK(r.decision.at("unfinished") == true);
    CHECK(r.decision.at("accept") == false);
    CHECK(r.decision.at("draft") == 1);
    CHECK_THAT(r.decision.at("detail").get<std::string>(), Catch::Contains("exit status 127"));
    CHECK_THAT(r.decision.at("reason").get<std::string>(), Catch::Contains("draft 1 did not finish"));
    CHECK(r.decision.at("state").at("experiments") == 0);  // the search does not move
    Draft crashed_for_good = missing_cli;
    crashed_for_good.mutate->unfinished = false;  // e.g. edit blocks that do not apply
    CHECK(f.decide({crashed_for_good}).decision.at("state").at("experiments") == 1);
  }
  SECTION("a stage that timed out") {
    NodeResult r = f.decide({candidate_scoring(0, 39), timed_out});
    CHECK(r.unfinished);
    CHECK(r.decision.at("draft") == 1);
    CHECK_THAT(r.decision.at("detail").get<std::string>(), Catch::Contains("timed out"));
  }
  SECTION("a gate that answered is a result: the other draft is kept") {
    NodeResult r = f.decide({candidate_scoring(0, 39), gate_failed});
    CHECK_FALSE(r.unfinished);
    CHECK(r.decision.at("outcome") == "kept");
    CHECK_FALSE(r.decision.contains("unfinished"));
  }
}

TEST_CASE("a duplicate draft has the earlier candidate's result and never wins", "[nodes]") {
  Fixture f;
  Draft repeat = candidate_scoring(0, 0);
  repeat.duplicate = {{"experiment", 3}, {"draft", 0}, {"outcome", "discarded"}, {"score", 40.0},
                      {"scores", {{"latency", 40.0}}}};
  SECTION("alone") {
    json d = f.decide({repeat}, 5, "minimize", 42).decision;
    CHECK(d.at("outcome") == "duplicate");
    CHECK(d.at("accept") == false);
    CHECK(d.at("score") == 40.0);
    CHECK(d.at("scores") == json{{"latency", 40.0}});
    CHECK(d.at("detail") == "the same tree as #3 (discarded, score 40): not evaluated again");
    CHECK(d.at("hypothesis") == "idea 0");
  }
  SECTION("beside a draft that was measured") {
    json d = f.decide({repeat, candidate_scoring(1, 50)}, 5, "minimize", 42).decision;
    CHECK(d.at("outcome") == "discarded");
    CHECK(d.at("draft") == 1);
    CHECK(d.at("drafts")[0].at("outcome") == "duplicate");
  }
  SECTION("of an earlier draft of the same experiment") {
    repeat.duplicate = {{"experiment", 5}, {"draft", 0}, {"outcome", nullptr}, {"score", nullptr}};
    json d = f.decide({candidate_scoring(0, 50), repeat}, 5, "minimize", 42).decision;
    CHECK(d.at("drafts")[1].at("detail") == "the same tree as #5.0: not evaluated again");
  }
}
