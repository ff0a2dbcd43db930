// What a coding-agent CLI says about its own run, read from what it printed on stdout.
//
// Coding agents run as `command` agents print either text, one JSON document
// (`claude -p --output-format json`, `gemini -p --output-format json`) or JSON lines
// (`claude --output-format stream-json`, `codex exec --json`), often with plain log lines
// mixed in. These functions read that output without trusting it: malformed JSON is text.
//
// Grammar of the output, as read here:
//
//   output   := document | line*
//   document := one JSON value (object or array) spanning the whole output, whitespace aside
//   line     := JSON object or array alone on its line | any other text
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace anneal::nodes {

/// The dollar cost the agent reported: the number at `field`, a dotted path such as
/// "total_cost_usd" or "usage.cost_usd", in the last JSON object of `output` that holds a
/// non-negative number there (objects inside a top-level array count one by one). Nullopt
/// when no object holds one, or when `field` is empty.
std::optional<double> agent_reported_cost(std::string_view output, std::string_view field);

/// The text after the first `Hypothesis:` (also `**Hypothesis:**`, `Hypothesis**:` and the
/// like), up to the end of its line, trimmed. In JSON output the string values are searched
/// in document order after unescaping, so an escaped newline ends the line; plain text lines
/// are searched as they are. Empty when there is none.
std::string agent_reported_hypothesis(std::string_view output);

/// Why the agent says it failed: the `result` text of the last JSON object with
/// `"is_error": true` (Claude Code), else the last `error.message` or top-level `message`
/// of an object whose `type` is "error" or "turn.failed" (Codex) or that holds an `error`
/// object (Gemini CLI). Trimmed and cut to its first 5 lines; empty when none.
std::string agent_reported_error(std::string_view output);

}  // namespace anneal::nodes
