#include "graph/experiment_plan.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <fmt/format.h>
#include <catch2/catch.hpp>

using namespace anneal;
using namespace anneal::graph;

namespace {

struct Settings {
  std::string latency_run = "./bench.sh";
  int experiments = 10;
  int drafts = 2;
  std::string agent = "{kind: command, run: ./improve.sh, timeout: 60}";
  std::string stages;  ///< replaces the default stages when set
};

Settings with_latency(std::string run) {
  Settings s;
  s.latency_run = std::move(run);
  return s;
}
Settings with_experiments(int experiments) {
  Settings s;
  s.experiments = experiments;
  return s;
}
Settings with_drafts(int drafts) {
  Settings s;
  s.drafts = drafts;
  return s;
}
Settings with_agent(std::string agent) {
  Settings s;
  s.agent = std::move(agent);
  return s;
}
Settings with_stages(std::string stages) {
  Settings s;
  s.stages = std::move(stages);
  return s;
}

const char* const k_default_stages = R"(
      - {{name: smoke, run: ./smoke.sh}}
      - {{name: latency, run: "{}", repeat: 3, keep_if: "< 50", exclusive: true}}
      - {{name: report, run: ./report.sh}})";

Target target(const Settings& s = {}) {
  std::string stages =
      s.stages.empty() ? fmt::format(fmt::runtime(k_default_stages), s.latency_run) : s.stages;
  std::string text = fmt::format(R"(annealfile: 1
agents:
  coder: {{kind: api, provider: openai, model: gpt-4.1-mini}}
targets:
  speed:
    artifact: [cfg.ini]
    agent: {}
    drafts: {}
    verify:
      - {{name: build, run: make}}
      - {{name: lint, run: ./lint.sh}}
    stages:{}
    objective: {{metric: latency, direction: minimize}}
    budget: {{experiments: {}}}
)",
                                 s.agent, s.drafts, stages, s.experiments);
  auto file = parse_annealfile(text, "Annealfile");
  INFO(text);
  if (!file)
    FAIL(file.error().message);
  REQUIRE(file->targets.size() == 1);
  return file->targets.front();
}

SearchPosition position() {
  SearchPosition p;
  p.baseline = std::string(40, 'a');
  p.incumbent = std::string(40, 'b');
  p.incumbent_score = 42;
  p.baseline_score = 45;
  return p;
}

ExperimentPlan plan(const Target& t, int id = 1, const std::string& prompt = "make it faster") {
  auto planned = plan_experiment(t, id, position(), prompt);
  if (!planned)
    FAIL(planned.error().message);
  return *planned;
}

/// Node keys by description ("stage latency speed#1.0"), plus "decide".
std::map<std::string, std::string> keys(const ExperimentPlan& p) {
  std::map<std::string, std::string> out;
  for (const auto& n : p.nodes)
    out[n.description] = n.spec.key.hex();
  out["decide"] = p.decide.key.hex();
  return out;
}

const PlannedNode& find(const ExperimentPlan& p, const std::string& description) {
  auto it = std::find_if(p.nodes.begin(), p.nodes.end(),
                         [&](const PlannedNode& n) { return n.description == description; });
  if (it == p.nodes.end())
    FAIL("no node " << description);
  return *it;
}

std::set<std::string> input_names(const ExperimentPlan& p, const PlannedNode& n) {
  std::set<std::string> names;
  for (const auto& input : n.inputs) {
    auto it = std::find_if(p.nodes.begin(), p.nodes.end(),
                           [&](const PlannedNode& m) { return m.spec.key == input; });
    names.insert(it == p.nodes.end() ? "?" + input.hex() : it->description);
  }
  return names;
}

}  // namespace

TEST_CASE("experiment keys are the same for the same inputs", "[graph]") {
  ExperimentPlan a = plan(target());
  ExperimentPlan b = plan(target());
  CHECK(keys(a) == keys(b));
  CHECK(a.mutations == b.mutations);
  // 2 drafts x (mutate + 2 gates + 3 stages).
  CHECK(a.nodes.size() == 12);

  SECTION("a new experiment number, parent or prompt gives new mutations") {
    CHECK(plan(target(), 2).mutations != a.mutations);
    CHECK(plan(target(), 1, "make it smaller").mutations != a.mutations);
    SearchPosition moved = position();
    moved.incumbent = std::string(40, 'c');
    auto from_elsewhere = plan_experiment(target(), 1, moved, "make it faster");
    REQUIRE(from_elsewhere);
    CHECK(from_elsewhere->mutations != a.mutations);
  }
}

TEST_CASE("changing a stage command changes that stage, the stages after it and the decision", "[graph]") {
  auto before = keys(plan(target()));
  auto after = keys(plan(target(with_latency("./bench.sh --fast"))));
  REQUIRE(before.size() == after.size());
  for (int draft = 0; draft < 2; ++draft) {
    std::string where = fmt::format(" speed#1.{}", draft);
    INFO("draft " << draft);
    CHECK(before.at("mutate" + where) == after.at("mutate" + where));
    CHECK(before.at("verify build" + where) == after.at("verify build" + where));
    CHECK(before.at("verify lint" + where) == after.at("verify lint" + where));
    CHECK(before.at("stage smoke" + where) == after.at("stage smoke" + where));
    CHECK(before.at("stage latency" + where) != after.at("stage latency" + where));
    CHECK(before.at("stage report" + where) != after.at("stage report" + where));
  }
  CHECK(before.at("decide") != after.at("decide"));
}

TEST_CASE("a stage command change leaves stages that do not need that stage alone", "[graph]") {
  const char* stages = R"(
      - {{name: smoke, run: ./smoke.sh}}
      - {{name: latency, run: "{}", needs: [smoke]}}
      - {{name: size, run: ./size.sh, needs: [smoke]}})";
  auto before = keys(plan(target(with_stages(fmt::format(fmt::runtime(stages), "./bench.sh")))));
  auto after = keys(plan(target(with_stages(fmt::format(fmt::runtime(stages), "./bench.sh -n 5")))));
  CHECK(before.at("stage smoke speed#1.0") == after.at("stage smoke speed#1.0"));
  CHECK(before.at("stage latency speed#1.0") != after.at("stage latency speed#1.0"));
  CHECK(before.at("stage size speed#1.0") == after.at("stage size speed#1.0"));
}

TEST_CASE("stages run after the previous stage, or after the stages they need", "[graph]") {
  std::set<std::string> gates_and_mutation = {"mutate speed#1.0", "verify build speed#1.0",
                                              "verify lint speed#1.0"};
  auto with = [&](std::set<std::string> more) {
    more.insert(gates_and_mutation.begin(), gates_and_mutation.end());
    return more;
  };

  SECTION("listed order, cheap first") {
    ExperimentPlan p = plan(target());
    CHECK(input_names(p, find(p, "verify build speed#1.0")) == std::set<std::string>{"mutate speed#1.0"});
    CHECK(input_names(p, find(p, "stage smoke speed#1.0")) == with({}));
    CHECK(input_names(p, find(p, "stage latency speed#1.0")) == with({"stage smoke speed#1.0"}));
    CHECK(input_names(p, find(p, "stage report speed#1.0")) == with({"stage latency speed#1.0"}));
    CHECK(find(p, "stage latency speed#1.0").exclusive);
    CHECK_FALSE(find(p, "stage report speed#1.0").exclusive);
    CHECK(input_names(p, find(p, "stage report speed#1.1")) ==
          std::set<std::string>{"mutate speed#1.1", "verify build speed#1.1", "verify lint speed#1.1",
                                "stage latency speed#1.1"});
  }

  SECTION("needs, including a stage listed before the one it needs") {
    ExperimentPlan p = plan(target(with_stages(R"(
      - {name: latency, run: ./bench.sh, needs: [build, smoke]}
      - {name: smoke, run: ./smoke.sh, needs: []}
      - {name: build, run: ./build.sh, needs: []}
      - {name: report, run: ./report.sh})")));
    CHECK(input_names(p, find(p, "stage smoke speed#1.0")) == with({}));
    CHECK(input_names(p, find(p, "stage build speed#1.0")) == with({}));
    CHECK(input_names(p, find(p, "stage latency speed#1.0")) ==
          with({"stage build speed#1.0", "stage smoke speed#1.0"}));
    // Without needs: after the stage listed before it.
    CHECK(input_names(p, find(p, "stage report speed#1.0")) == with({"stage build speed#1.0"}));
  }

  SECTION("every node comes after its inputs in the plan") {
    ExperimentPlan p = plan(target(with_stages(R"(
      - {name: latency, run: ./bench.sh, needs: [smoke]}
      - {name: smoke, run: ./smoke.sh, needs: []})")));
    std::set<cache::Digest> seen;
    for (const auto& n : p.nodes) {
      for (const auto& input : n.inputs)
        CHECK(seen.count(input) == 1);
      seen.insert(n.spec.key);
    }
  }
}

TEST_CASE("each draft is its own mutation with its own seed", "[graph]") {
  ExperimentPlan p = plan(target(with_drafts(4)));
  REQUIRE(p.mutations.size() == 4);
  std::set<uint64_t> seeds;
  std::set<cache::Digest> mutation_keys;
  for (int draft = 0; draft < 4; ++draft) {
    const PlannedNode& m = find(p, fmt::format("mutate speed#1.{}", draft));
    CHECK(m.spec.kind() == "mutate");
    CHECK(m.inputs.empty());
    CHECK(m.spec.json.at("draft") == draft);
    CHECK(m.spec.json.at("parent") == position().incumbent);
    CHECK(m.spec.json.at("prompt") == "make it faster");
    seeds.insert(m.spec.json.at("seed").get<uint64_t>());
    mutation_keys.insert(m.spec.key);
    CHECK(m.spec.key == p.mutations[static_cast<size_t>(draft)]);
    // The draft's checks start from its own mutation.
    CHECK(input_names(p, find(p, fmt::format("verify build speed#1.{}", draft))) ==
          std::set<std::string>{fmt::format("mutate speed#1.{}", draft)});
  }
  CHECK(seeds.size() == 4);
  CHECK(mutation_keys.size() == 4);
  CHECK(p.nodes.size() == 4 * 6);

  const auto& candidates = p.decide.json.at("candidates");
  REQUIRE(candidates.size() == 4);
  for (size_t draft = 0; draft < 4; ++draft) {
    CHECK(candidates[draft].at("draft") == draft);
    CHECK(candidates[draft].at("candidate").at("mutate") == p.mutations[draft].hex());
    CHECK(candidates[draft].at("gates").size() == 2);
    CHECK(candidates[draft].at("stages").size() == 3);
  }
  CHECK(p.decide.json.at("baseline") == false);
  CHECK(p.decide.json.at("metric") == "latency");
  CHECK(p.decide.json.at("direction") == "minimize");
  CHECK(p.decide.json.at("incumbent_score") == 42.0);
  CHECK(draft_seed(7, 1, 0) != draft_seed(7, 1, 1));
  CHECK(draft_seed(7, 1, 0) != draft_seed(7, 2, 0));
  CHECK(draft_seed(7, 1, 0) == draft_seed(7, 1, 0));
}

TEST_CASE("the config digest ignores the experiment budget but not the commands", "[graph]") {
  cache::Digest reference = config_digest(target(), {});
  CHECK(config_digest(target(), {}) == reference);
  CHECK(config_digest(target(with_experiments(50)), {}) == reference);
  CHECK(config_digest(target(with_latency("./bench.sh --fast")), {}) != reference);
  CHECK(config_digest(target(with_drafts(3)), {}) != reference);
  CHECK(config_digest(target(), {std::string(40, 'c')}) != reference);
}

TEST_CASE("the baseline plan evaluates the baseline commit without a mutation", "[graph]") {
  std::string commit = std::string(40, 'a');
  auto baseline = plan_baseline(target(), commit);
  REQUIRE(baseline);
  CHECK(baseline->id == 0);
  CHECK(baseline->mutations.empty());
  REQUIRE(baseline->nodes.size() == 5);  // 2 gates + 3 stages, one candidate
  for (const auto& n : baseline->nodes) {
    INFO(n.description);
    CHECK(n.spec.kind() != "mutate");
    CHECK(n.spec.json.at("candidate") == nlohmann::json{{"commit", commit}});
    CHECK_THAT(n.description, Catch::EndsWith(" speed#0.0"));
  }
  CHECK(input_names(*baseline, find(*baseline, "stage smoke speed#0.0")) ==
        std::set<std::string>{"verify build speed#0.0", "verify lint speed#0.0"});
  CHECK(baseline->decide.json.at("baseline") == true);
  CHECK(baseline->decide.json.at("candidates").size() == 1);

  auto again = plan_baseline(target(), commit);
  REQUIRE(again);
  CHECK(again->decide.key == baseline->decide.key);
  auto other = plan_baseline(target(), std::string(40, 'f'));
  REQUIRE(other);
  CHECK(other->decide.key != baseline->decide.key);
  CHECK(other->nodes.front().spec.key != baseline->nodes.front().spec.key);
}

TEST_CASE("an api agent's draft is an LLM call in the provider's pool, then a mutation that applies its reply", "[graph]") {
  Target t = target(with_agent("coder"));
  ExperimentPlan p = plan(t, 1, "improve the config");
  REQUIRE(p.calls.size() == 2);
  for (int draft = 0; draft < 2; ++draft) {
    INFO(draft);
    const PlannedNode& call = find(p, fmt::format("llm speed#1.{}", draft));
    const PlannedNode& mutate = find(p, fmt::format("mutate speed#1.{}", draft));
    CHECK(call.pool == "llm_openai");
    CHECK(call.pool_depth == 4);
    CHECK(call.spec.json.at("model") == "gpt-4.1-mini");
    CHECK(call.spec.json.at("base_url") == "https://api.openai.com/v1");
    CHECK(call.spec.json.at("api_key_env") == "OPENAI_API_KEY");
    CHECK(call.spec.json.at("prompt") == "improve the config");
    CHECK_THAT(call.spec.json.at("system").get<std::string>(), Catch::Contains("<<<<<<< SEARCH"));
    CHECK(mutate.spec.json.at("reply") == call.spec.key.hex());
    CHECK(mutate.inputs == std::vector<cache::Digest>{call.spec.key});
    CHECK_FALSE(mutate.spec.json.contains("prompt"));
  }
  // Two drafts spread their temperatures around the provider's default of 1.
  CHECK(find(p, "llm speed#1.0").spec.json.at("temperature") == 0.5);
  CHECK(find(p, "llm speed#1.1").spec.json.at("temperature") == 1.5);
  // The baseline needs no agent.
  CHECK(plan_baseline(t, std::string(40, 'a')));
}

TEST_CASE("draft temperatures spread over temperature times one plus or minus the spread", "[graph]") {
  ApiSettings api;
  api.provider = "anthropic";
  api.temperature = 0.6;
  api.temperature_spread = 0.5;
  CHECK(draft_temperature(api, 0, 1) == 0.6);
  CHECK(draft_temperature(api, 0, 3) == Approx(0.3));
  CHECK(draft_temperature(api, 1, 3) == Approx(0.6));
  CHECK(draft_temperature(api, 2, 3) == Approx(0.9));
  api.temperature = 0.9;  // Anthropic takes at most 1.0
  CHECK(draft_temperature(api, 2, 3) == 1.0);
}

TEST_CASE("draft temperatures spread within the provider's range, never two on its bound", "[graph]") {
  ApiSettings api;
  api.temperature_spread = 0.5;
  SECTION("anthropic, at its default of 1: the drafts spread below it") {
    api.provider = "anthropic";
    CHECK(draft_temperature(api, 0, 3) == 0.5);
    CHECK(draft_temperature(api, 1, 3) == 0.75);
    CHECK(draft_temperature(api, 2, 3) == 1.0);
  }
  SECTION("openai, at its default of 1: 0.5 to 1.5, within its 0 to 2") {
    api.provider = "openai";
    CHECK(draft_temperature(api, 0, 3) == 0.5);
    CHECK(draft_temperature(api, 1, 3) == 1.0);
    CHECK(draft_temperature(api, 2, 3) == 1.5);
    api.temperature = 1.8;
    api.temperature_spread = 1;
    CHECK(draft_temperature(api, 0, 2) == 0.0);
    CHECK(draft_temperature(api, 1, 2) == 2.0);
  }
  for (int drafts = 2; drafts <= 8; ++drafts)
    for (const char* provider : {"openai", "anthropic"})
      for (double t : {0.0, 0.3, 1.0, 1.4}) {
        api.provider = provider;
        api.temperature = std::string(provider) == "anthropic" ? std::min(t, 1.0) : t;
        for (int draft = 0; draft < drafts; ++draft) {
          double value = draft_temperature(api, draft, drafts);
          CHECK(value >= 0.0);
          CHECK(value <= (std::string(provider) == "anthropic" ? 1.0 : 2.0));
        }
      }
}

TEST_CASE("calls of a model that takes only its default temperature carry none", "[graph]") {
  SECTION("gpt-5 and the o-series, from the table") {
    for (const char* model : {"gpt-5-mini", "o3"}) {
      INFO(model);
      Target t = target(with_agent(fmt::format("{{kind: api, provider: openai, model: {}}}", model)));
      ExperimentPlan p = plan(t, 1, "improve the config");
      REQUIRE(p.calls.size() == 2);
      CHECK(find(p, "llm speed#1.0").spec.json.at("temperature").is_null());
      CHECK(find(p, "llm speed#1.1").spec.json.at("temperature").is_null());
    }
  }
  SECTION("temperature_supported overrides the table either way") {
    Target off = target(with_agent("{kind: api, provider: openai, model: gpt-4.1-mini, temperature_supported: false}"));
    CHECK(plan(off).nodes.front().spec.json.at("temperature").is_null());
    Target on = target(with_agent("{kind: api, provider: openai, model: o3, temperature_supported: true}"));
    CHECK(find(plan(on), "llm speed#1.1").spec.json.at("temperature") == 1.5);
  }
  SECTION("a model that takes one keeps its spread and its cache key") {
    Target t = target(with_agent("coder"));
    CHECK(find(plan(t), "llm speed#1.0").spec.json.at("temperature") == 0.5);
  }
}

TEST_CASE("restart_probability starts some drafts from the baseline, reproducibly", "[graph]") {
  Settings s = with_drafts(8);
  Target t = target(s);
  SearchPosition pos = position();
  pos.baseline = std::string(40, 'b');
  pos.incumbent = std::string(40, 'c');
  t.restart_probability = 0;
  for (const auto& start : draft_starts(t, 3, pos))
    CHECK(start.parent == pos.incumbent);
  t.restart_probability = 0.5;
  int restarts = 0;
  for (int id = 1; id <= 20; ++id)
    for (const auto& start : draft_starts(t, id, pos)) {
      CHECK(start.parent == (start.restart ? pos.baseline : pos.incumbent));
      restarts += start.restart;
    }
  CHECK(restarts > 40);
  CHECK(restarts < 120);
  auto a = draft_starts(t, 7, pos);
  auto b = draft_starts(t, 7, pos);
  for (size_t i = 0; i < a.size(); ++i)
    CHECK(a[i].restart == b[i].restart);
  // The plan follows the starts: a restarted draft's mutation starts at the baseline.
  auto planned = plan_experiment(t, 7, pos, "prompt");
  REQUIRE(planned);
  for (size_t i = 0; i < a.size(); ++i) {
    auto m = std::find_if(planned->nodes.begin(), planned->nodes.end(),
                          [&](const PlannedNode& n) { return n.spec.key == planned->mutations[i]; });
    REQUIRE(m != planned->nodes.end());
    CHECK(m->spec.json.at("parent") == a[i].parent);
    CHECK(m->spec.json.value("restart", false) == a[i].restart);
  }
  // Before the first kept candidate the baseline is the incumbent: nothing to restart from.
  pos.incumbent = pos.baseline;
  for (const auto& start : draft_starts(t, 3, pos))
    CHECK_FALSE(start.restart);
}

TEST_CASE("a tune agent's mutation does not depend on the prompt", "[graph]") {
  Target t = target(with_agent(
      R"y({kind: tune, params: [{file: cfg.ini, pattern: "threads = ([0-9]+)", min: 1, max: 64, integer: true}]})y"));
  ExperimentPlan a = plan(t, 1, "one prompt");
  ExperimentPlan b = plan(t, 1, "another prompt");
  CHECK(a.mutations == b.mutations);
  const PlannedNode& m = find(a, "mutate speed#1.0");
  CHECK_FALSE(m.spec.json.contains("prompt"));
  CHECK(m.spec.json.at("agent").at("kind") == "tune");
  CHECK(m.spec.json.contains("step_scale"));
}

TEST_CASE("containment settings are in the specs only when not their default", "[graph]") {
  const std::string where = " speed#1.0";
  ExperimentPlan plain = plan(target());
  for (const auto& n : plain.nodes)
    for (const char* field : {"sandbox", "network", "writable", "pass_env"}) {
      CHECK_FALSE(n.spec.json.contains(field));
      if (n.spec.json.contains("agent"))
        CHECK_FALSE(n.spec.json.at("agent").contains(field));
    }
  ExperimentPlan contained = plan(target(with_agent(
      "{kind: command, run: ./improve.sh, timeout: 60, sandbox: on, writable: [~/.claude], pass_env: [A_API_KEY]}")));
  const auto& agent = find(contained, "mutate" + where).spec.json.at("agent");
  CHECK(agent.at("sandbox") == "on");
  CHECK(agent.at("writable") == nlohmann::json{"~/.claude"});
  CHECK(agent.at("pass_env") == nlohmann::json{"A_API_KEY"});
  CHECK(find(contained, "mutate" + where).spec.key != find(plain, "mutate" + where).spec.key);

  ExperimentPlan offline = plan(target(with_stages(R"(
      - {name: smoke, run: ./smoke.sh}
      - {name: latency, run: "./bench.sh", repeat: 3, keep_if: "< 50", exclusive: true, network: false, sandbox: off}
      - {name: report, run: ./report.sh})")));
  const auto& latency = find(offline, "stage latency" + where).spec.json;
  CHECK(latency.at("network") == false);
  CHECK(latency.at("sandbox") == "off");
  CHECK_FALSE(find(offline, "stage smoke" + where).spec.json.contains("network"));
  // Unchanged commands keep their keys.
  CHECK(find(offline, "stage smoke" + where).spec.key == find(plan(target(with_latency("./bench.sh"))), "stage smoke" + where).spec.key);
}
