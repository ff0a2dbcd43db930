#include "nodes/agent_output.h"

#include <vector>

#include <nlohmann/json.hpp>

namespace anneal::nodes {

namespace {

// Ordered so that "the first Hypothesis" means first in the document, not first by key.
using Json = nlohmann::ordered_json;

constexpr std::string_view k_spaces = " \t\r\n\f\v";

std::string_view trim(std::string_view s) {
  size_t first = s.find_first_not_of(k_spaces);
  if (first == std::string_view::npos)
    return {};
  size_t last = s.find_last_not_of(k_spaces);
  return s.substr(first, last - first + 1);
}

/// One JSON value, or a run of lines that are not JSON.
struct Piece {
  std::optional<Json> json;
  std::string_view text;
};

std::optional<Json> parse_json(std::string_view text) {
  text = trim(text);
  if (text.empty() || (text.front() != '{' && text.front() != '['))
    return std::nullopt;
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return std::nullopt;
  return j;
}

/// The output as one JSON document when it is one, else line by line, with consecutive
/// text lines kept together (a label may sit on the line before its text).
std::vector<Piece> pieces(std::string_view output) {
  std::vector<Piece> out;
  if (auto whole = parse_json(output)) {
    out.push_back({std::move(whole), output});
    return out;
  }
  size_t text_start = std::string_view::npos;
  auto end_text = [&](size_t at) {
    if (text_start != std::string_view::npos && !trim(output.substr(text_start, at - text_start)).empty())
      out.push_back({std::nullopt, output.substr(text_start, at - text_start)});
    text_start = std::string_view::npos;
  };
  for (size_t start = 0; start < output.size();) {
    size_t end = output.find('\n', start);
    if (end == std::string_view::npos)
      end = output.size();
    if (auto j = parse_json(output.substr(start, end - start))) {
      end_text(start);
      out.push_back({std::move(j), output.substr(start, end - start)});
    } else if (text_start == std::string_view::npos) {
      text_start = start;
    }
    start = end + 1;
  }
  end_text(output.size());
  return out;
}

/// Calls `visit` on every object of the piece: the value itself, or each object in a
/// top-level array (Claude's `--output-format json --verbose` prints an array of messages).
template <typename Visit>
void for_each_object(const Json& j, Visit&& visit) {
  if (j.is_object()) {
    visit(j);
  } else if (j.is_array()) {
    for (const auto& element : j)
      if (element.is_object())
        visit(element);
  }
}

const Json* at_path(const Json& object, std::string_view path) {
  const Json* at = &object;
  while (true) {
    size_t dot = path.find('.');
    std::string_view key = path.substr(0, dot);
    if (key.empty() || !at->is_object())
      return nullptr;
    auto it = at->find(std::string(key));
    if (it == at->end())
      return nullptr;
    at = &*it;
    if (dot == std::string_view::npos)
      return at;
    path.remove_prefix(dot + 1);
  }
}

bool is_emphasis(char c) {
  return c == '*' || c == '_';
}

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/// The hypothesis in one piece of plain text (already unescaped), if it has one.
std::optional<std::string> hypothesis_in_text(std::string_view text) {
  constexpr std::string_view k_word = "Hypothesis";
  for (size_t at = text.find(k_word); at != std::string_view::npos; at = text.find(k_word, at + 1)) {
    if (at > 0 && is_word_char(text[at - 1]))
      continue;
    // Markdown around the label: "**Hypothesis:**", "**Hypothesis**:", "_Hypothesis:_".
    size_t lead = at;
    while (lead > 0 && is_emphasis(text[lead - 1]))
      --lead;
    std::string_view opening = text.substr(lead, at - lead);
    size_t p = at + k_word.size();
    while (p < text.size() && is_emphasis(text[p]))
      ++p;
    if (p >= text.size() || text[p] != ':')
      continue;
    ++p;
    while (p < text.size() && is_emphasis(text[p]))
      ++p;
    size_t end = text.find('\n', p);
    std::string_view value = trim(text.substr(p, end == std::string_view::npos ? end : end - p));
    // "**Hypothesis:**" alone on its line: the hypothesis is the next line with text.
    while (value.empty() && end != std::string_view::npos) {
      size_t start = end + 1;
      end = text.find('\n', start);
      value = trim(text.substr(start, end == std::string_view::npos ? end : end - start));
    }
    // "**Hypothesis: fewer threads**": the closing emphasis is not part of it.
    if (!opening.empty() && value.size() > opening.size() && value.ends_with(opening))
      value = trim(value.substr(0, value.size() - opening.size()));
    if (!value.empty())
      return std::string(value);
  }
  return std::nullopt;
}

/// Deeper than any agent's real output; bounds the recursion on hostile input.
constexpr int k_max_depth = 64;

std::optional<std::string> hypothesis_in_json(const Json& j, int depth = 0) {
  if (j.is_string())
    return hypothesis_in_text(j.get_ref<const std::string&>());
  if ((j.is_object() || j.is_array()) && depth < k_max_depth) {
    for (const auto& element : j)
      if (auto found = hypothesis_in_json(element, depth + 1))
        return found;
  }
  return std::nullopt;
}

const std::string* string_at(const Json& object, std::string_view path) {
  const Json* at = at_path(object, path);
  return at && at->is_string() ? &at->get_ref<const std::string&>() : nullptr;
}

/// The first `max_lines` lines of `text`, trimmed.
std::string first_lines(std::string_view text, int max_lines) {
  text = trim(text);
  size_t end = std::string_view::npos;
  for (size_t from = 0, line = 0; line < static_cast<size_t>(max_lines); ++line, from = end + 1) {
    end = text.find('\n', from);
    if (end == std::string_view::npos)
      break;
  }
  return std::string(trim(text.substr(0, end)));
}

}  // namespace

std::optional<double> agent_reported_cost(std::string_view output, std::string_view field) {
  if (field.empty())
    return std::nullopt;
  std::optional<double> cost;
  for (const auto& piece : pieces(output)) {
    if (!piece.json)
      continue;
    for_each_object(*piece.json, [&](const Json& object) {
      const Json* value = at_path(object, field);
      // A negative "cost" is no cost anyone paid: not trusted.
      if (value && value->is_number() && value->get<double>() >= 0)
        cost = value->get<double>();
    });
  }
  return cost;
}

std::string agent_reported_hypothesis(std::string_view output) {
  for (const auto& piece : pieces(output)) {
    auto found = piece.json ? hypothesis_in_json(*piece.json) : hypothesis_in_text(piece.text);
    if (found)
      return *found;
  }
  return "";
}

std::string agent_reported_error(std::string_view output) {
  const std::string* flagged = nullptr;  // Claude Code: {"is_error": true, "result": …}
  const std::string* other = nullptr;    // Codex and Gemini CLI error events and objects
  auto collected = pieces(output);       // the pointers above point into it
  for (const auto& piece : collected) {
    if (!piece.json)
      continue;
    for_each_object(*piece.json, [&](const Json& object) {
      auto is_error = object.find("is_error");
      if (is_error != object.end() && is_error->is_boolean() && is_error->get<bool>()) {
        if (const std::string* result = string_at(object, "result"))
          flagged = result;
        return;
      }
      const std::string* type = string_at(object, "type");
      bool error_event = type && (*type == "error" || *type == "turn.failed");
      if (const std::string* message = string_at(object, "error.message"))
        other = message;
      else if (error_event)
        if (const std::string* message = string_at(object, "message"))
          other = message;
    });
  }
  const std::string* reason = flagged ? flagged : other;
  return reason ? first_lines(*reason, 5) : "";
}

}  // namespace anneal::nodes
