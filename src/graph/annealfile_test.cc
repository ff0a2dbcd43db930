#include "graph/annealfile.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>

#include "graph/annealfile_schema.h"
#include "util/file.h"

using namespace anneal::graph;
namespace fs = std::filesystem;

namespace {

// The design's example, with a second target for `needs` to name.
const char* const k_example = R"yaml(# yaml-language-server: $schema=annealfile.schema.yaml
annealfile: 1
agents:                         # named agents, used by targets and judges
  coder:   {kind: api, provider: openai, model: gpt-4.1-mini, base_url: "https://llm.example/v1", api_key_env: OPENAI_API_KEY}
  claude:  {kind: api, provider: anthropic, model: claude-sonnet-4-5}
  cli:     {kind: command, run: "claude -p \"$(cat $ANNEAL_PROMPT_FILE)\"", timeout: 10m}
  tuner:   {kind: tune}         # built-in numeric tuner: no network, no key
targets:
  api-perf:
    needs: [other-target]       # optional: targets form a dependency graph
    artifact: [src/api/handler.py]
    scope: {editable: ["src/api/**"], immutable: ["tests/**"]}
    agent: coder
    instructions: program.md    # optional guidance file for the agent
    drafts: 3                   # candidates per experiment
    verify:                     # gates, all must exit 0, run before any stage
      - {name: typecheck, run: "python -m mypy src/api/handler.py", timeout: 60s}
    stages:                     # deterministic fidelity stages, cheap first; a stage may name `needs`
      - {name: smoke, run: "pytest -q tests/smoke"}
      - {name: latency, run: "wrk http://localhost:8080 | grep Latency", parse: "awk '{print $2}'",
         repeat: 3, keep_if: "< 50", exclusive: true, timeout: 2m}
    judge:                      # stochastic evaluation, optional
      agent: claude
      samples: "prompts/*.txt"
      criteria: ["Is the text scannable?", "Are all claims cited?"]
      votes: 3
      method: majority          # or bradley-terry
      held_out: "prompts/held-out/*.txt"
    objective: {metric: latency, direction: minimize, min_improvement: 0.5}
    search: {strategy: annealing}
    budget: {experiments: 50, usd_per_experiment: 0.5, usd_per_day: 10, max_consecutive_failures: 5}
  other-target:
    artifact: cfg.ini
    agent: {kind: tune, params: [{file: cfg.ini, pattern: "threads = ([0-9]+)", min: 1, max: 64, integer: true}]}
    stages:
      - {name: build, run: make, timeout: 90}
      - {name: throughput, run: ./bench, needs: [build]}
    objective: {metric: throughput, direction: maximize}
cache: {remote: "https://cache.example/anneal", read_only: true}
)yaml";

Annealfile parse_ok(std::string_view text) {
  auto parsed = parse_annealfile(text, "Annealfile");
  INFO((parsed ? std::string() : parsed.error().message));
  REQUIRE(parsed.has_value());
  return std::move(*parsed);
}

}  // namespace

TEST_CASE("the design's example parses into the model", "[annealfile]") {
  Annealfile file = parse_ok(k_example);
  CHECK(file.path == "Annealfile");
  CHECK(file.version == 1);
  CHECK(file.cache.remote == "https://cache.example/anneal");
  CHECK(file.cache.read_only);

  REQUIRE(file.agents.size() == 4);
  const Agent& coder = file.agents.at("coder");
  CHECK(coder.kind == AgentKind::Api);
  CHECK(coder.config["provider"] == "openai");
  CHECK(coder.config["base_url"] == "https://llm.example/v1");
  CHECK(coder.loc.line == 4);
  const Agent& cli = file.agents.at("cli");
  CHECK(cli.kind == AgentKind::Command);
  CHECK(cli.run == "claude -p \"$(cat $ANNEAL_PROMPT_FILE)\"");
  CHECK(cli.timeout_s == 600);
  CHECK(file.agents.at("tuner").kind == AgentKind::Tune);

  REQUIRE(file.targets.size() == 2);
  const Target& api = file.targets[0];
  CHECK(api.name == "api-perf");
  CHECK(file.find_target("api-perf") == &api);
  CHECK(file.find_target("nope") == nullptr);
  CHECK(api.loc.line == 9);
  CHECK(api.needs == std::vector<std::string>{"other-target"});
  CHECK(api.artifact == std::vector<std::string>{"src/api/handler.py"});
  CHECK(api.scope.editable == std::vector<std::string>{"src/api/**", "src/api/handler.py"});
  CHECK(api.scope.immutable == std::vector<std::string>{"tests/**"});
  CHECK(api.agent.name == "coder");
  CHECK(api.agent.kind == AgentKind::Api);
  CHECK(api.agent.config["model"] == "gpt-4.1-mini");
  CHECK(api.instructions == "program.md");
  CHECK(api.drafts == 3);

  REQUIRE(api.verify.size() == 1);
  CHECK(api.verify[0].name == "typecheck");
  CHECK(api.verify[0].run == "python -m mypy src/api/handler.py");
  CHECK(api.verify[0].timeout_s == 60);

  REQUIRE(api.stages.size() == 2);
  const Stage& smoke = api.stages[0];
  CHECK(smoke.name == "smoke");
  CHECK(smoke.repeat == 1);
  CHECK_FALSE(smoke.exclusive);
  CHECK_FALSE(smoke.keep_if);
  CHECK_FALSE(smoke.needs);
  CHECK(smoke.timeout_s == 0);
  const Stage& latency = api.stages[1];
  CHECK(latency.parse == "awk '{print $2}'");
  CHECK(latency.repeat == 3);
  REQUIRE(latency.keep_if);
  CHECK(latency.keep_if->op == Condition::Op::Less);
  CHECK(latency.keep_if->value == 50);
  CHECK(latency.keep_if->text == "< 50");
  CHECK(latency.exclusive);
  CHECK(latency.timeout_s == 120);
  CHECK(latency.loc.line == 20);

  REQUIRE(api.judge);
  CHECK(api.judge->agent.api.model == "claude-sonnet-4-5");
  CHECK(api.judge->agent.api.provider == "anthropic");
  CHECK(api.judge->samples.glob == "prompts/*.txt");
  REQUIRE(api.judge->criteria.size() == 2);
  CHECK(api.judge->criteria[1].question == "Are all claims cited?");
  CHECK(api.judge->votes == 3);
  CHECK(api.judge->method == "majority");
  CHECK(api.judge->held_out.glob == "prompts/held-out/*.txt");
  CHECK_FALSE(api.judge->generate);
  CHECK(api.judge->test.alpha == 0.05);

  CHECK(api.objective.metric == "latency");
  CHECK(api.objective.direction == Direction::Minimize);
  CHECK(api.objective.min_improvement == 0.5);
  CHECK(api.search.strategy == "annealing");
  CHECK(api.search.config == nlohmann::json{{"strategy", "annealing"}});
  CHECK(api.budget.experiments == 50);
  CHECK(api.budget.usd_per_experiment == 0.5);
  CHECK(api.budget.usd_per_day == 10);
  CHECK(api.budget.max_consecutive_failures == 5);

  CHECK(api.config["agent"]["model"] == "gpt-4.1-mini");
  CHECK(api.config["judge"]["agent"]["provider"] == "anthropic");
  CHECK(api.config["drafts"] == 3);
  CHECK(api.config["stages"][1]["exclusive"] == true);
  CHECK(api.config["stages"][1]["timeout"] == "2m");
  CHECK(api.config["budget"] == nlohmann::json{{"usd_per_experiment", 0.5},
                                               {"usd_per_day", 10},
                                               {"max_consecutive_failures", 5}});

  const Target& other = file.targets[1];
  CHECK(other.agent.name == "other-target.agent");
  CHECK(other.agent.kind == AgentKind::Tune);
  REQUIRE(other.agent.params.size() == 1);
  const TuneParam& threads = other.agent.params[0];
  CHECK(threads.file == "cfg.ini");
  CHECK(threads.pattern == "threads = ([0-9]+)");
  CHECK(threads.min == 1);
  CHECK(threads.max == 64);
  CHECK(threads.integer);
  CHECK(other.stages[0].timeout_s == 90);
  CHECK(other.stages[1].needs == std::vector<std::string>{"build"});
  CHECK(other.objective.direction == Direction::Maximize);
}

TEST_CASE("defaults fill what a target leaves out", "[annealfile]") {
  Annealfile file = parse_ok(R"yaml(annealfile: 1
targets:
  t:
    artifact: a.txt
    agent: {kind: command, run: ./edit.sh}
    stages: [{name: score, run: ./score.sh}]
    objective: {metric: score, direction: maximize}
)yaml");
  const Target& t = file.targets.at(0);
  CHECK(t.agent.name == "t.agent");
  CHECK(t.agent.timeout_s == 0);
  CHECK(t.drafts == 1);
  CHECK(t.restart_probability == 0);
  CHECK(t.stages[0].repeat == 1);
  CHECK(t.objective.min_improvement == 0);
  CHECK(t.search.strategy == "greedy");
  CHECK(t.search.seed == 0);
  CHECK(t.budget.experiments == 20);
  CHECK(t.budget.max_consecutive_failures == 5);
  CHECK_FALSE(t.budget.usd_per_day);
  CHECK_FALSE(t.judge);
  CHECK(t.scope.editable == std::vector<std::string>{"a.txt"});
  CHECK(file.cache.remote.empty());
}

TEST_CASE("YAML scalars get the type they are written as", "[annealfile]") {
  const std::string base = R"yaml(annealfile: 1
targets:
  t:
    artifact: a.txt
    agent: {kind: command, run: ./edit.sh}
    stages: [{name: score, run: ./score.sh, STAGE}]
    objective: {metric: score, direction: maximize}
)yaml";
  auto with = [&](const std::string& stage) {
    std::string text = base;
    text.replace(text.find("STAGE"), 5, stage);
    return parse_ok(text).targets.at(0);
  };
  SECTION("durations: plain seconds, quoted seconds, units") {
    CHECK(with("timeout: 90").stages[0].timeout_s == 90);
    CHECK(with("timeout: \"90\"").stages[0].timeout_s == 90);
    CHECK(with("timeout: 60s").stages[0].timeout_s == 60);
    CHECK(with("timeout: 1.5h").stages[0].timeout_s == 5400);
  }
  SECTION("integers and booleans") {
    Target t = with("repeat: 3, exclusive: true");
    CHECK(t.stages[0].repeat == 3);
    CHECK(t.stages[0].exclusive);
    CHECK(t.config["stages"][0]["repeat"] == 3);
    CHECK(t.config["stages"][0]["exclusive"] == true);
  }
  SECTION("a quoted number stays a string in the config") {
    CHECK(with("parse: \"42\"").config["stages"][0]["parse"] == "42");
  }
}

TEST_CASE("parse_duration reads seconds, minutes and hours", "[annealfile]") {
  CHECK(parse_duration("90") == 90);
  CHECK(parse_duration("90s") == 90);
  CHECK(parse_duration("2m") == 120);
  CHECK(parse_duration("1.5h") == 5400);
  CHECK(parse_duration("0") == 0);
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("s"));
  CHECK_FALSE(parse_duration("5x"));
  CHECK_FALSE(parse_duration("-5"));
  CHECK_FALSE(parse_duration("2 m"));
  CHECK_FALSE(parse_duration("inf"));
}

TEST_CASE("a target's config changes with what changes its results, only", "[annealfile]") {
  const std::string base = R"yaml(annealfile: 1
agents:
  NAME: {kind: command, run: ./edit.sh}
targets:
  t:
    artifact: a.txt
    agent: NAME
    stages: [{name: score, run: RUN}]
    objective: {metric: score, direction: maximize}
    budget: {experiments: COUNT}
)yaml";
  auto config = [&](std::string name, std::string run, std::string count) {
    std::string text = base;
    for (auto [from, to] :
         {std::pair{"NAME", name}, {"NAME", name}, {"RUN", run}, {"COUNT", count}})
      text.replace(text.find(from), std::string(from).size(), to);
    return parse_ok(text).targets.at(0).config;
  };
  const nlohmann::json reference = config("coder", "./score.sh", "10");
  CHECK(reference.find("budget") == reference.end());
  CHECK(config("coder", "./score.sh", "99") == reference);
  CHECK(config("renamed", "./score.sh", "10") == reference);
  CHECK(config("coder", "./score2.sh", "10") != reference);
}

TEST_CASE("load_annealfile reads the file or says how to make one", "[annealfile]") {
  char dir_template[] = "/tmp/anneal-annealfile-XXXXXX";
  REQUIRE(mkdtemp(dir_template));
  const fs::path dir = dir_template;
  const fs::path path = dir / "Annealfile";

  SECTION("missing") {
    auto loaded = load_annealfile(path);
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().message ==
          path.string() + ": error: no Annealfile here; run `anneal init` to create one");
  }
  SECTION("present") {
    REQUIRE(anneal::write_file_atomic(path, k_example));
    auto loaded = load_annealfile(path);
    REQUIRE(loaded);
    CHECK(loaded->path == path);
    CHECK(loaded->targets.size() == 2);
  }
  SECTION("broken, with the path as given") {
    REQUIRE(anneal::write_file_atomic(path, "annealfile: 2\ntargets: {}\n"));
    auto loaded = load_annealfile(path, true);
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().message == path.string() +
                                        ":1:13: error: unsupported annealfile version 2 (this "
                                        "anneal reads version 1)\n"
                                        "    1 | annealfile: 2\n"
                                        "      |             ^");
  }
  fs::remove_all(dir);
}

TEST_CASE("the schema file is valid YAML, a draft-07 schema, and the one built in",
          "[annealfile]") {
  const fs::path schema_path = fs::path(ANNEAL_SOURCE_DIR) / "annealfile.schema.yaml";
  auto text = anneal::read_file(schema_path);
  REQUIRE(text);
  CHECK(*text == k_annealfile_schema);
  YAML::Node schema = YAML::Load(*text);
  CHECK(schema["$schema"].as<std::string>() == "http://json-schema.org/draft-07/schema#");
  auto loaded = check_annealfile_schema();
  INFO((loaded ? std::string() : loaded.error().message));
  CHECK(loaded);

  // Editors show these descriptions: every field has one, directly or through its $ref.
  std::vector<std::string> undocumented;
  auto documented = [&](const YAML::Node& field) {
    if (field["description"])
      return true;
    if (!field["$ref"])
      return false;
    std::string ref = field["$ref"].as<std::string>();
    return bool(schema["definitions"][ref.substr(ref.rfind('/') + 1)]["description"]);
  };
  std::function<void(const YAML::Node&, const std::string&)> walk = [&](const YAML::Node& node,
                                                                        const std::string& at) {
    if (node.IsSequence())
      for (size_t i = 0; i < node.size(); ++i)
        walk(node[i], at + "/" + std::to_string(i));
    if (!node.IsMap())
      return;
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key = it->first.as<std::string>();
      if (key == "if")
        continue;  // a condition, not fields
      if (key == "properties" && it->second.IsMap())
        for (auto field = it->second.begin(); field != it->second.end(); ++field)
          if (!documented(field->second))
            undocumented.push_back(at + "/properties/" + field->first.as<std::string>());
      walk(it->second, at + "/" + key);
    }
  };
  walk(schema, "#");
  CHECK(undocumented == std::vector<std::string>{});
}

TEST_CASE("every example Annealfile is valid", "[annealfile]") {
  const fs::path examples = fs::path(ANNEAL_SOURCE_DIR) / "examples";
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(examples, error)) {
    const fs::path path = entry.path() / "Annealfile";
    if (!fs::exists(path))
      continue;
    auto loaded = load_annealfile(path);
    INFO(path.string() << "\n" << (loaded ? std::string() : loaded.error().message));
    CHECK(loaded);
  }
}
