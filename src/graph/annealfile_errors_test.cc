// Each kind of broken Annealfile, with the exact message a user sees.
#include <string>

#include <catch2/catch.hpp>

#include "alias_bomb.h"
#include "graph/annealfile.h"

using namespace anneal::graph;

namespace {

// A valid Annealfile that each case breaks in one place.
const std::string k_base = R"yaml(annealfile: 1
agents:
  coder: {kind: command, run: ./agent.sh}
  tuner: {kind: tune}
targets:
  api:
    artifact: handler.py
    agent: coder
    stages:
      - {name: smoke, run: ./smoke.sh}
      - {name: latency, run: ./bench.sh, keep_if: "< 50", timeout: 2m}
    objective: {metric: latency, direction: minimize}
)yaml";

/// `k_base` with `from` replaced by `to` (which must be there: a typo would test nothing).
std::string edit(std::string_view from, std::string_view to, std::string text = k_base) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

std::string error_of(const std::string& text, bool caret = false) {
  auto parsed = parse_annealfile(text, "Annealfile", caret);
  REQUIRE_FALSE(parsed);
  return parsed.error().message;
}

}  // namespace

TEST_CASE("the base Annealfile of these tests is valid", "[annealfile]") {
  CHECK(parse_annealfile(k_base, "Annealfile"));
}

TEST_CASE("YAML problems are reported where yaml-cpp finds them", "[annealfile]") {
  SECTION("syntax error") {
    CHECK(error_of(edit("agent: coder", "agent: [coder")) ==
          "Annealfile:9:11: error: invalid YAML: end of sequence flow not found");
  }
  SECTION("an unquoted '>' starts a YAML block, not a condition") {
    std::string block =
        edit("      - {name: latency, run: ./bench.sh, keep_if: \"< 50\", timeout: 2m}",
             "      - name: latency\n        run: ./bench.sh\n        keep_if: > 50");
    CHECK(error_of(block) ==
          "Annealfile:13:20: error: invalid YAML: unexpected character in block scalar (quote a "
          "value that starts with '>' or '|', e.g. keep_if: \"> 50\")");
  }
  SECTION("an alias bomb, at the alias that crosses the budget, before anything walks it") {
    CHECK(error_of(edit("    agent: coder\n",
                        "    agent: coder\n    scope:\n      editable:\n" +
                            anneal::testing::alias_bomb_items(8))) ==
          fmt::format("Annealfile:{}:{}: error: alias '*d' brings the nodes reached through "
                      "aliases past 10000; anneal refuses YAML that expands this far (an alias "
                      "bomb?)",
                      10 + anneal::testing::k_alias_bomb_line,
                      anneal::testing::alias_bomb_column(8)));
  }
  SECTION("duplicate key, at the second one") {
    CHECK(error_of(edit("    agent: coder\n", "    agent: coder\n    agent: tuner\n")) ==
          "Annealfile:9:5: error: duplicate key 'agent' (first defined on line 8)");
  }
  SECTION("a key that is not a name") {
    CHECK(error_of("annealfile: 1\ntargets:\n  ? [a, b]\n  : {}\n") ==
          "Annealfile:3:5: error: a key must be a plain name, not a list or a mapping");
  }
  SECTION("empty or only comments") {
    CHECK(error_of("") == "Annealfile:1:1: error: the Annealfile is empty");
    CHECK(error_of("# nothing yet\n\n") == "Annealfile:1:1: error: the Annealfile is empty");
  }
  SECTION("not a mapping") {
    CHECK(error_of("- targets\n") == "Annealfile:1:1: error: the Annealfile must be a mapping");
  }
}

TEST_CASE("schema problems are reported once, in words", "[annealfile]") {
  SECTION("unknown field") {
    CHECK(error_of(edit("    stages:", "    stagse:")) ==
          "Annealfile:9:5: error: unknown field 'stagse' in target 'api' (did you mean 'stages'?)");
    CHECK(
        error_of(edit("agents:", "agnets:")) ==
        "Annealfile:2:1: error: unknown field 'agnets' at the top level (did you mean 'agents'?)");
    CHECK(error_of(edit("./smoke.sh}", "./smoke.sh, flaky: yes}")) ==
          "Annealfile:10:40: error: unknown field 'flaky' in stage 'smoke' of target 'api'");
  }
  SECTION("every unknown field of a mapping, not only the first") {
    CHECK(error_of(edit("run: ./agent.sh}", "run: ./agent.sh, timout: 5, retry: 2}")) ==
          "Annealfile:3:43: error: unknown field 'timout' in agent 'coder' (did you mean "
          "'timeout'?)\n"
          "Annealfile:3:54: error: unknown field 'retry' in agent 'coder'");
  }
  SECTION("wrong type") {
    CHECK(error_of(edit("run: ./smoke.sh", "run: [./smoke.sh]")) ==
          "Annealfile:10:23: error: 'run' must be a string");
    CHECK(error_of(edit("timeout: 2m", "timeout: [2m]")) ==
          "Annealfile:11:59: error: 'timeout' must be a duration such as 90, 90s, 2m or 1.5h");
    CHECK(error_of(edit("./smoke.sh}", "./smoke.sh, repeat: 2.5, exclusive: yes}")) ==
          "Annealfile:10:48: error: 'repeat' must be a whole number\n"
          "Annealfile:10:64: error: 'exclusive' must be true or false");
  }
  SECTION("name or inline agent: one message for both alternatives") {
    CHECK(error_of(edit("agent: coder", "agent: 7")) ==
          "Annealfile:8:12: error: 'agent' must be a string or a mapping");
    CHECK(error_of(edit("agent: coder", "agent: {kind: command}")) ==
          "Annealfile:8:5: error: missing required field 'run' in the agent of target 'api'");
  }
  SECTION("bad enum") {
    CHECK(error_of(edit("direction: minimize", "direction: down")) ==
          "Annealfile:12:45: error: 'direction' must be one of maximize, minimize");
    CHECK(error_of(edit("kind: tune", "kind: robot")) ==
          "Annealfile:4:17: error: 'kind' must be one of api, command, tune");
  }
  SECTION("missing required field") {
    CHECK(error_of(edit("    agent: coder\n", "")) ==
          "Annealfile:6:3: error: missing required field 'agent' in target 'api'");
    CHECK(error_of(edit("annealfile: 1\n", "")) ==
          "Annealfile:1:1: error: missing required field 'annealfile' at the top level");
  }
  SECTION("out of range") {
    CHECK(error_of(edit("    agent: coder\n", "    agent: coder\n    drafts: 0\n")) ==
          "Annealfile:9:13: error: 'drafts' must be at least 1");
    CHECK(error_of(edit("./smoke.sh}", "./smoke.sh, repeat: 0}")) ==
          "Annealfile:10:48: error: 'repeat' must be at least 1");
    CHECK(error_of(k_base + "    budget: {experiments: -1}\n") ==
          "Annealfile:13:27: error: 'experiments' must be at least 0");
  }
}

TEST_CASE("semantic problems name what is wrong and what would be right", "[annealfile]") {
  SECTION("unsupported version") {
    CHECK(error_of(edit("annealfile: 1", "annealfile: 2")) ==
          "Annealfile:1:13: error: unsupported annealfile version 2 (this anneal reads version 1)");
  }
  SECTION("unknown agent") {
    CHECK(error_of(edit("agent: coder", "agent: codr")) ==
          "Annealfile:8:12: error: unknown agent 'codr' (known: coder, tuner)");
  }
  SECTION("policy agent") {
    CHECK(error_of(k_base + "    policy: {agent: planer, every: 3}\n") ==
          "Annealfile:13:21: error: unknown agent 'planer' (known: coder, tuner)");
    CHECK(error_of(k_base + "    policy: {agent: coder}\n") ==
          "Annealfile:13:21: error: the policy of target 'api' needs an api agent; 'coder' is a command agent");
    CHECK(error_of(k_base + "    policy: {agent: {kind: api, provider: openai, model: m}, every: 0}\n") ==
          "Annealfile:13:69: error: 'every' must be at least 1");
    CHECK(parse_annealfile(k_base + "    policy: {agent: {kind: api, provider: openai, model: m}, every: 4}\n",
                           "Annealfile"));
  }
  SECTION("unknown metric") {
    CHECK(
        error_of(edit("metric: latency", "metric: speed")) ==
        "Annealfile:12:25: error: unknown metric 'speed' in target 'api' (known: smoke, latency)");
  }
  SECTION("judge is a metric when there is a judge") {
    std::string judged =
        edit("    agent: coder\n",
             "    agent: coder\n    judge: {agent: {kind: api, provider: openai, model: m}, samples: [\"Hi\"], "
             "criteria: [\"Is it clear?\", {name: short, question: \"Is it short?\"}]}\n");
    CHECK(parse_annealfile(edit("metric: latency", "metric: judge", judged), "Annealfile"));
    CHECK(parse_annealfile(edit("metric: latency", "metric: judge.short", judged), "Annealfile"));
    CHECK(parse_annealfile(edit("metric: latency", "metric: judge.1", judged), "Annealfile"));
    CHECK(error_of(edit("metric: latency", "metric: judge.3", judged)) ==
          "Annealfile:13:25: error: unknown metric 'judge.3' in target 'api' (known: smoke, latency, judge, "
          "judge.1, judge.short)");
    CHECK(
        error_of(edit("metric: latency", "metric: judge")) ==
        "Annealfile:12:25: error: unknown metric 'judge' in target 'api' (known: smoke, latency)");
  }
  SECTION("needs an unknown target or stage") {
    CHECK(error_of(edit("    agent: coder\n", "    agent: coder\n    needs: [db, api]\n")) ==
          "Annealfile:9:13: error: unknown target 'db' in needs of target 'api' (known: api)\n"
          "Annealfile:9:17: error: targets form a cycle: api -> api");
    CHECK(error_of(edit("./bench.sh,", "./bench.sh, needs: warmup,")) ==
          "Annealfile:11:49: error: unknown stage 'warmup' in needs of stage 'latency' (known: "
          "smoke, latency)");
  }
  SECTION("targets form a cycle") {
    std::string text = edit("    agent: coder\n", "    agent: coder\n    needs: [db]\n") +
                       "  db:\n    needs: api\n    artifact: schema.sql\n    agent: coder\n"
                       "    stages: [{name: q, run: ./q.sh}]\n"
                       "    objective: {metric: q, direction: minimize}\n";
    CHECK(error_of(text) == "Annealfile:15:12: error: targets form a cycle: api -> db -> api");
  }
  SECTION("stages form a cycle (the implicit order counts)") {
    CHECK(
        error_of(edit("./smoke.sh}", "./smoke.sh, needs: [latency]}")) ==
        "Annealfile:10:40: error: stages of target 'api' form a cycle: smoke -> latency -> smoke");
  }
  SECTION("duplicate stage or gate name") {
    CHECK(error_of(edit("name: latency", "name: smoke")) ==
          "Annealfile:11:16: error: duplicate stage name 'smoke' in target 'api' (first on line "
          "10)\nAnnealfile:12:25: error: unknown metric 'latency' in target 'api' (known: smoke)");
    CHECK(error_of(edit("    stages:",
                        "    verify:\n      - {name: lint, run: a}\n"
                        "      - {name: lint, run: b}\n    stages:")) ==
          "Annealfile:11:16: error: duplicate gate name 'lint' in target 'api' (first on line 10)");
  }
  SECTION("bad keep_if") {
    CHECK(error_of(edit("\"< 50\"", "\"under 50\"")) ==
          "Annealfile:11:51: error: invalid keep_if 'under 50': write an operator (<, <=, >, >=, "
          "==, !=) and a number, e.g. \"< 50\"");
    CHECK(error_of(edit("\"< 50\"", "\"<= fifty\"")) ==
          "Annealfile:11:51: error: invalid keep_if '<= fifty': write an operator (<, <=, >, >=, "
          "==, !=) and a number, e.g. \"< 50\"");
  }
  SECTION("bad duration") {
    CHECK(error_of(edit("timeout: 2m", "timeout: 2min")) ==
          "Annealfile:11:68: error: invalid duration '2min' for 'timeout': write seconds, or a "
          "number with s, m or h (90, 90s, 2m, 1.5h)");
  }
  SECTION("bad tune params") {
    std::string tuned = edit("agent: coder", "agent: {kind: tune, params: [PARAM]}");
    CHECK(error_of(edit("PARAM", "{file: cfg.ini, pattern: \"threads = [0-9]+\", min: 1, max: 8}",
                        tuned)) ==
          "Annealfile:8:59: error: tune pattern 'threads = [0-9]+' (cfg.ini) must have exactly one "
          "capture group (the number); it has 0");
    CHECK(error_of(edit("PARAM", "{file: cfg.ini, pattern: \"(a)(b)\", min: 1, max: 8}", tuned)) ==
          "Annealfile:8:59: error: tune pattern '(a)(b)' (cfg.ini) must have exactly one capture "
          "group (the number); it has 2");
    CHECK(error_of(
              edit("PARAM", "{file: cfg.ini, pattern: \"x = ([0-9]+\", min: 1, max: 8}", tuned)) ==
          "Annealfile:8:59: error: tune pattern 'x = ([0-9]+' (cfg.ini) is not a valid RE2 regular "
          "expression: missing ): x = ([0-9]+");
    CHECK(error_of(edit("PARAM", "{file: cfg.ini, pattern: \"x = (?!0)([0-9]+)\", min: 1, max: 8}",
                        tuned)) ==
          "Annealfile:8:59: error: tune pattern 'x = (?!0)([0-9]+)' (cfg.ini) is not a valid RE2 "
          "regular expression: invalid perl operator: (?!");
    CHECK(error_of(edit("PARAM", "{file: ../cfg.ini, pattern: \"(1)\", min: 8, max: 1}", tuned)) ==
          "Annealfile:8:41: error: tune param file '../cfg.ini' must be a relative path inside "
          "the repository, without '..'\n"
          "Annealfile:8:74: error: tune param min (8) must be less than max (1)");
  }
  SECTION("a named tune agent without params") {
    CHECK(error_of(edit("agent: coder", "agent: tuner")) ==
          "Annealfile:8:12: error: the tune agent of target 'api' has no params: list the numbers "
          "it may change, e.g. agent: {kind: tune, params: [{file: cfg.ini, pattern: \"threads = "
          "([0-9]+)\", min: 1, max: 64}]}");
  }
  SECTION("a judge needs an api agent") {
    CHECK(error_of(edit("    agent: coder\n",
                        "    agent: coder\n    judge: {agent: coder, samples: \"s/*\", criteria: [\"Clear?\"]}\n")) ==
          "Annealfile:9:20: error: the judge of target 'api' needs an api agent; 'coder' is a "
          "command agent");
    CHECK(error_of(edit("    agent: coder\n",
                        "    agent: coder\n    judge: {agent: {kind: api, provider: openai, model: m}, samples: \"s/*\", "
                        "criteria: [\"Clear?\"], generate: {agent: coder}}\n")) ==
          "Annealfile:9:117: error: the judge's generate of target 'api' needs an api agent; 'coder' is a "
          "command agent");
  }
  SECTION("judge criteria and gates") {
    std::string judge = "    agent: coder\n    judge:\n      agent: {kind: api, provider: openai, model: m}\n"
                        "      samples: \"s/*\"\n      keep_if: \">= 0.5\"\n"
                        "      criteria:\n        - {name: short, question: \"Short?\", keep_if: \"> 0.2\"}\n"
                        "        - {name: short, question: \"Brief?\"}\n";
    CHECK(error_of(edit("    agent: coder\n", judge)) ==
          "Annealfile:15:18: error: duplicate criterion name 'short' in the judge of target 'api' (first on line 14)");
    CHECK(error_of(edit("    agent: coder\n", edit(">= 0.5", "at least half", edit("name: short, question: \"Brief", "name: brief, question: \"Brief", judge)))) ==
          "Annealfile:12:16: error: invalid keep_if 'at least half': write an operator (<, <=, >, >=, ==, !=) and a "
          "number, e.g. \"< 50\"");
  }
  SECTION("bad target name") {
    CHECK(error_of(edit("  api:", "  api perf:")) ==
          "Annealfile:6:3: error: target name 'api perf' cannot be used in git ref names: start "
          "with a letter or digit, then use only letters, digits, '.', '_' and '-'");
    CHECK(error_of(edit("  api:", "  api..v2:")) ==
          "Annealfile:6:3: error: target name 'api..v2' cannot be used in git ref names: it "
          "contains '..'");
    CHECK(error_of(edit("  api:", "  api.lock:")) ==
          "Annealfile:6:3: error: target name 'api.lock' cannot be used in git ref names: it ends "
          "in '.lock'");
  }
  SECTION("nothing editable") {
    CHECK(error_of(edit("    artifact: handler.py\n", "")) ==
          "Annealfile:6:3: error: target 'api' lets the agent change nothing: give it an "
          "'artifact' or 'scope.editable'");
  }
}

TEST_CASE("several errors come sorted by position, each with its caret", "[annealfile]") {
  // The duration (found while building the model) is after the agent (found by the checks).
  std::string text = edit("timeout: 2m", "timeout: soon", edit("agent: coder", "agent: codr"));
  CHECK(error_of(text, true) ==
        "Annealfile:8:12: error: unknown agent 'codr' (known: coder, tuner)\n"
        "    8 |     agent: codr\n"
        "      |            ^\n"
        "Annealfile:11:68: error: invalid duration 'soon' for 'timeout': write seconds, or a "
        "number with s, m or h (90, 90s, 2m, 1.5h)\n"
        "   11 |       - {name: latency, run: ./bench.sh, keep_if: \"< 50\", timeout: soon}\n"
        "      |                                                                    ^");
}

TEST_CASE("the caret points at the column, clang-style", "[annealfile]") {
  std::string text = edit("    stages:",
                          "    judge:\n"
                          "      samples: \"prompts/*.txt\"\n"
                          "      criteria: [\"Is it clear?\"]\n"
                          "      agent: codr\n"
                          "    stages:");
  CHECK(error_of(text, true) ==
        "Annealfile:12:14: error: unknown agent 'codr' (known: coder, tuner)\n"
        "   12 |       agent: codr\n"
        "      |              ^");
}

TEST_CASE("an artifact that is also immutable is refused before anything runs", "[annealfile]") {
  CHECK(error_of(edit("    artifact: handler.py\n", "    artifact: handler.py\n    scope: {immutable: [\"*.py\"]}\n")) ==
        "Annealfile:7:15: error: artifact 'handler.py' of target 'api' is also immutable (scope.immutable "
        "'*.py'), so every change to it would be blocked");
}

TEST_CASE("a temperature the provider would refuse is an Annealfile error", "[annealfile]") {
  SECTION("above Anthropic's 1") {
    CHECK(error_of(edit("  coder: {kind: command, run: ./agent.sh}",
                        "  coder: {kind: api, provider: anthropic, model: claude-sonnet-4-5, temperature: 1.5}")) ==
          "Annealfile:3:82: error: temperature 1.5 is outside anthropic's range (0 to 1)");
  }
  SECTION("above OpenAI's 2, in a judge's inline agent") {
    std::string text = edit("    stages:",
                            "    judge:\n"
                            "      samples: [\"a text\"]\n"
                            "      criteria: [\"Is it clear?\"]\n"
                            "      agent: {kind: api, provider: openai, model: gpt-4.1, temperature: 2.5}\n"
                            "    stages:");
    CHECK(error_of(text) == "Annealfile:12:73: error: temperature 2.5 is outside openai's range (0 to 2)");
  }
  SECTION("any temperature for a model that takes only its default") {
    CHECK(error_of(edit("  coder: {kind: command, run: ./agent.sh}",
                        "  coder: {kind: api, provider: openai, model: o3, temperature: 0.2}")) ==
          "Annealfile:3:64: error: model 'o3' accepts only its default temperature: remove 'temperature' (or set "
          "temperature_supported: true if this endpoint takes one)");
    CHECK(error_of(edit("  coder: {kind: command, run: ./agent.sh}",
                        "  coder: {kind: api, provider: openai, model: gpt-4.1, temperature: 0.2, "
                        "temperature_supported: false}")) ==
          "Annealfile:3:69: error: agent 'coder' sets a temperature and temperature_supported: false; remove one "
          "of them");
  }
  SECTION("accepted: within the range, or with the table overridden") {
    CHECK(parse_annealfile(edit("  coder: {kind: command, run: ./agent.sh}",
                                "  coder: {kind: api, provider: anthropic, model: claude-sonnet-4-5, temperature: 1}"),
                           "Annealfile"));
    CHECK(parse_annealfile(edit("  coder: {kind: command, run: ./agent.sh}",
                                "  coder: {kind: api, provider: openai, model: o3, temperature: 0.2, "
                                "temperature_supported: true}"),
                           "Annealfile"));
  }
}
TEST_CASE("containment settings with bad values name their place", "[annealfile]") {
  SECTION("sandbox is auto, on or off") {
    CHECK(error_of(edit("run: ./agent.sh}", "run: ./agent.sh, sandbox: maybe}")) ==
          "Annealfile:3:52: error: 'sandbox' must be one of auto, on, off");
  }
  SECTION("network is a boolean") {
    CHECK_THAT(error_of(edit("run: ./smoke.sh}", "run: ./smoke.sh, network: none}")),
               Catch::StartsWith("Annealfile:10:49: error: 'network'"));
  }
  SECTION("writable paths are absolute or under ~/") {
    CHECK(error_of(edit("run: ./smoke.sh}", "run: ./smoke.sh, writable: [/var/cache/x, ../out]}")) ==
          "Annealfile:10:65: error: writable path '../out' must be absolute or start with '~/' (the "
          "worktree is writable already)");
  }
  SECTION("pass_env names variables") {
    CHECK(error_of(edit("run: ./agent.sh}", "run: ./agent.sh, pass_env: 1KEY}")) ==
          "Annealfile:3:53: error: pass_env '1KEY' is not an environment variable name (letters, "
          "digits and '_', not starting with a digit)");
  }
  SECTION("an api agent has no sandbox: it runs no command") {
    CHECK_THAT(error_of(edit("coder: {kind: command, run: ./agent.sh}",
                             "coder: {kind: api, provider: openai, model: m, sandbox: on}")),
               Catch::Contains("sandbox"));
  }
}

TEST_CASE("containment settings reach the model", "[annealfile]") {
  auto file = parse_annealfile(edit("run: ./smoke.sh}", "run: ./smoke.sh, sandbox: off, network: false, "
                                                       "writable: ~/.cache, pass_env: [A_TOKEN]}"),
                               "Annealfile");
  REQUIRE(file);
  const Containment& c = file->targets[0].stages[0].containment;
  CHECK(c.sandbox == Containment::Sandbox::Off);
  CHECK_FALSE(c.network);
  CHECK(c.writable == std::vector<std::string>{"~/.cache"});
  CHECK(c.pass_env == std::vector<std::string>{"A_TOKEN"});
  CHECK(c.sandbox_loc.line == 10);
  CHECK(file->targets[0].stages[1].containment.sandbox == Containment::Sandbox::Auto);
}
