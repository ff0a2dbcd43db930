#include <catch2/catch.hpp>

#include <string>

#include "nodes/agent_output.h"

using namespace anneal::nodes;

namespace {

// Shaped like `claude -p "…" --output-format json` (one object on one line).
const std::string k_claude_json =
    R"({"type":"result","subtype":"success","is_error":false,"duration_ms":20113,)"
    R"("duration_api_ms":19874,"num_turns":6,"result":"I lowered the thread count in cfg.ini.\n\n)"
    R"(**Hypothesis:** fewer threads cut contention\nDone.","session_id":"0e639165-79b1-4bd4-bb0f-4cb4c15115d4",)"
    R"("total_cost_usd":0.0421,"usage":{"input_tokens":3,"cache_read_input_tokens":15635,"output_tokens":412}})"
    "\n";

// Shaped like `codex exec --json`: JSON lines, token counts and no dollar figure.
const std::string k_codex_jsonl =
    R"({"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"})"
    "\n"
    R"({"type":"turn.started"})"
    "\n"
    R"({"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"**Reading cfg.ini**"}})"
    "\n"
    R"({"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"Edited cfg.ini.\nHypothesis: a batch of 32 fits the cache\n"}})"
    "\n"
    R"({"type":"turn.completed","usage":{"input_tokens":24763,"cached_input_tokens":24448,"output_tokens":122}})"
    "\n";

}  // namespace

TEST_CASE("the cost a coding agent reports is read from its JSON output", "[nodes]") {
  SECTION("claude -p --output-format json") {
    CHECK(agent_reported_cost(k_claude_json, "total_cost_usd") == 0.0421);
    CHECK(agent_reported_cost(k_claude_json, "usage.output_tokens") == 412);
  }
  SECTION("the same document pretty-printed over several lines") {
    std::string pretty = "{\n  \"type\": \"result\",\n  \"result\": \"ok\",\n  \"total_cost_usd\": 1.5\n}\n";
    CHECK(agent_reported_cost(pretty, "total_cost_usd") == 1.5);
  }
  SECTION("JSON lines mixed with log lines: the last object holding the field wins") {
    std::string out =
        "starting agent v1.2\n"
        "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s\"}\n"
        "{\"type\":\"result\",\"total_cost_usd\":0.25}\n"
        "warning: {not json}\n"
        "{\"type\":\"result\",\"total_cost_usd\":0.75}\n"
        "{\"type\":\"assistant\",\"message\":{\"content\":[]}}\n"
        "bye\n";
    CHECK(agent_reported_cost(out, "total_cost_usd") == 0.75);
  }
  SECTION("a top-level array of messages (claude --output-format json --verbose)") {
    std::string out = R"([{"type":"system","subtype":"init"},{"type":"assistant"},)"
                      R"({"type":"result","total_cost_usd":0.125}])";
    CHECK(agent_reported_cost(out, "total_cost_usd") == 0.125);
  }
  SECTION("a nested dotted path") {
    CHECK(agent_reported_cost(R"({"usage":{"cost_usd":0.5}})", "usage.cost_usd") == 0.5);
    CHECK_FALSE(agent_reported_cost(R"({"usage":{"cost_usd":0.5}})", "usage.cost"));
    CHECK_FALSE(agent_reported_cost(R"({"usage":0.5})", "usage.cost_usd"));
  }
  SECTION("codex exec --json reports tokens, not dollars") {
    CHECK_FALSE(agent_reported_cost(k_codex_jsonl, "total_cost_usd"));
    CHECK(agent_reported_cost(k_codex_jsonl, "usage.output_tokens") == 122);
  }
}

TEST_CASE("a cost that is not a plain non-negative number is not taken", "[nodes]") {
  CHECK_FALSE(agent_reported_cost("", "total_cost_usd"));
  CHECK_FALSE(agent_reported_cost("Tokens: 1.6k sent, 997 received. Cost: $0.02 message, $0.02 session.\n",
                                  "total_cost_usd"));
  CHECK_FALSE(agent_reported_cost(R"({"total_cost_usd":"0.5"})", "total_cost_usd"));
  CHECK_FALSE(agent_reported_cost(R"({"total_cost_usd":null})", "total_cost_usd"));
  CHECK_FALSE(agent_reported_cost(R"({"total_cost_usd":-1})", "total_cost_usd"));
  CHECK_FALSE(agent_reported_cost(R"({"total_cost_usd":0.5)", "total_cost_usd"));  // cut short
  CHECK_FALSE(agent_reported_cost(R"({"total_cost_usd":0.5})", ""));
  CHECK_FALSE(agent_reported_cost(R"({"total_cost_usd":0.5})", "total_cost_usd."));
  // A later object with a string there does not erase an earlier number.
  CHECK(agent_reported_cost("{\"c\":2}\n{\"c\":\"x\"}\n", "c") == 2);
}

TEST_CASE("garbage on stdout never throws", "[nodes]") {
  std::string binary("\x00\xff{\"a\":\x01}\n[\xfe\n", 14);
  std::string deep(100000, '[');
  std::string deep_object;
  for (int i = 0; i < 1000; ++i)
    deep_object += "{\"a\":";
  deep_object += "\"Hypothesis: too deep\"" + std::string(1000, '}');
  for (const std::string& out : {binary, deep, deep + std::string(100000, ']'), deep_object}) {
    CHECK_NOTHROW(agent_reported_cost(out, "a"));
    CHECK_NOTHROW(agent_reported_hypothesis(out));
    CHECK_NOTHROW(agent_reported_error(out));
  }
}

TEST_CASE("the hypothesis is the rest of the first Hypothesis: line", "[nodes]") {
  SECTION("plain text, as aider prints it") {
    CHECK(agent_reported_hypothesis(
              "Applied edit to cfg.ini\nHypothesis: fewer threads\nTokens: 2k sent\n") == "fewer threads");
    CHECK(agent_reported_hypothesis("Hypothesis:   spaced out  \r\n") == "spaced out");
    CHECK(agent_reported_hypothesis("Hypothesis: first\nHypothesis: second\n") == "first");
  }
  SECTION("markdown around the label") {
    CHECK(agent_reported_hypothesis("**Hypothesis:** bold label\n") == "bold label");
    CHECK(agent_reported_hypothesis("**Hypothesis**: bold word\n") == "bold word");
    CHECK(agent_reported_hypothesis("**Hypothesis: all bold**\n") == "all bold");
    CHECK(agent_reported_hypothesis("- _Hypothesis:_ in a list\n") == "in a list");
    CHECK(agent_reported_hypothesis("## Hypothesis: as a heading") == "as a heading");
  }
  SECTION("a label alone on its line takes the next line with text") {
    CHECK(agent_reported_hypothesis("**Hypothesis:**\n\n  cache the parsed config\nmore\n") ==
          "cache the parsed config");
  }
  SECTION("what is not a hypothesis line") {
    CHECK(agent_reported_hypothesis("").empty());
    CHECK(agent_reported_hypothesis("no label here\n").empty());
    CHECK(agent_reported_hypothesis("Hypothesis without a colon\n").empty());
    CHECK(agent_reported_hypothesis(
              "- #3 kept: score 4; hypothesis: lowercase, as anneal's prompt lists them\n")
              .empty());
    CHECK(agent_reported_hypothesis("NullHypothesis: part of a word\n").empty());
    CHECK(agent_reported_hypothesis("Hypothesis:\n").empty());
  }
}

TEST_CASE("in JSON output the hypothesis comes from the unescaped strings", "[nodes]") {
  SECTION("claude's result field: the escaped newline ends the line") {
    CHECK(agent_reported_hypothesis(k_claude_json) == "fewer threads cut contention");
  }
  SECTION("codex's agent message among JSON lines") {
    CHECK(agent_reported_hypothesis(k_codex_jsonl) == "a batch of 32 fits the cache");
  }
  SECTION("gemini -p --output-format json") {
    std::string out = R"({"response":"Changed guide.md.\nHypothesis: shorter sentences read faster",)"
                      R"("stats":{"models":{"gemini-2.5-pro":{"tokens":{"prompt":24939,"candidates":20}}}}})";
    CHECK(agent_reported_hypothesis(out) == "shorter sentences read faster");
  }
  SECTION("document order, not key order") {
    CHECK(agent_reported_hypothesis(R"({"z":"Hypothesis: first","a":"Hypothesis: second"})") == "first");
  }
  SECTION("a JSON line before a text line") {
    CHECK(agent_reported_hypothesis("{\"text\":\"Hypothesis: from json\"}\nHypothesis: from text\n") ==
          "from json");
    CHECK(agent_reported_hypothesis("log: Hypothesis: from text\n{\"text\":\"Hypothesis: from json\"}\n") ==
          "from text");
  }
  SECTION("keys are not searched") {
    CHECK(agent_reported_hypothesis(R"({"Hypothesis: key":"value"})").empty());
  }
}

TEST_CASE("the reason a coding agent gives for failing is read from its JSON output", "[nodes]") {
  SECTION("claude: the result of an is_error object") {
    std::string out = R"({"type":"result","subtype":"error_during_execution","is_error":true,)"
                      R"("result":"API Error: 529 overloaded\n","total_cost_usd":0.001})";
    CHECK(agent_reported_error(out) == "API Error: 529 overloaded");
    CHECK(agent_reported_error(k_claude_json).empty());
  }
  SECTION("codex: turn.failed and error events") {
    std::string out =
        k_codex_jsonl + R"({"type":"error","message":"stream error: broken pipe"})" + "\n" +
        R"({"type":"turn.failed","error":{"message":"model response stream ended unexpectedly"}})" + "\n";
    CHECK(agent_reported_error(out) == "model response stream ended unexpectedly");
    CHECK(agent_reported_error(k_codex_jsonl).empty());
  }
  SECTION("gemini: an error object") {
    CHECK(agent_reported_error(
              R"({"response":"","error":{"type":"ApiError","message":"quota exceeded","code":1}})") ==
          "quota exceeded");
  }
  SECTION("an is_error result wins over other error messages, and long reasons are cut") {
    std::string out =
        "{\"type\":\"error\",\"message\":\"other\"}\n"
        "{\"is_error\":true,\"result\":\"l1\\nl2\\nl3\\nl4\\nl5\\nl6\\nl7\"}\n";
    CHECK(agent_reported_error(out) == "l1\nl2\nl3\nl4\nl5");
  }
  SECTION("text is no reason") {
    CHECK(agent_reported_error("Error: something\n").empty());
  }
}
