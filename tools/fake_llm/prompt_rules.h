// The rules the fake editor adds to a prompt and the fake writer obeys. The editor writes a
// rule's exact sentence; the writer recognises rules by their key words, so a hand-written
// prompt ("Use bullet points.", "Stay under 40 words.") works too.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "text.h"

namespace anneal::fake_llm {

/// One line an editor may add to a prompt. `helps` is false for the rules that make answers
/// worse under the example's criteria, so not every edit is an improvement.
struct PromptRule {
  std::string_view name;
  std::string_view sentence;
  std::string_view why;
  bool helps;
};

inline constexpr std::array<PromptRule, 7> k_prompt_rules = {{
    {"bullets", "Answer in at most three bullet points.", "bullet points make the steps easy to scan",
     true},
    {"short", "Keep every answer under 60 words.", "short answers get read to the end", true},
    {"summary", "Start with a one-line summary.", "a summary line answers the question at a glance", true},
    {"source", "End with a line 'Source: ...' naming where the facts come from.",
     "naming the source lets the customer check the answer", true},
    {"detailed", "Be as detailed as possible.", "more detail leaves fewer follow-up questions", false},
    {"friendly", "Close every answer with a friendly sign-off.", "a warm sign-off makes customers happier",
     false},
    {"echo", "Repeat the customer's question before answering.", "restating the question shows it was understood",
     false},
}};

/// What a system prompt asks of an answer, as the fake writer understands it.
struct AnswerStyle {
  bool bullets = false;
  int max_bullets = 3;
  std::optional<int> word_limit;
  bool summary = false;
  bool source = false;
  bool detailed = false;
  bool friendly = false;
  bool echo = false;
};

/// The style a system prompt asks for, read from its key words (case-insensitive).
inline AnswerStyle answer_style(std::string_view system) {
  std::string text = lower(system);
  AnswerStyle style;
  style.bullets = contains(text, "bullet");
  if (style.bullets)
    style.max_bullets = contains(text, "two bullet") || contains(text, "2 bullet") ? 2 : 3;
  // "under 60 words", "at most 45 words", "fewer than 50 words": the number before "words".
  for (size_t at = text.find(" words"); at != std::string::npos; at = text.find(" words", at + 1)) {
    size_t start = at;
    while (start > 0 && std::isdigit(static_cast<unsigned char>(text[start - 1])))
      --start;
    if (start < at) {
      style.word_limit = first_number(std::string_view(text).substr(start, at - start), 60);
      break;
    }
  }
  style.summary = contains(text, "summary");
  // A word, so "resources" does not ask for a source line.
  for (const std::string& word : words(text))
    style.source = style.source || word == "source" || word == "sources";
  style.detailed = contains(text, "detailed") || contains(text, "in depth");
  style.friendly = contains(text, "sign-off") || contains(text, "sign off");
  style.echo = contains(text, "repeat the customer") || contains(text, "repeat the question");
  return style;
}

/// Whether `prompt` already holds the rule (its sentence, ignoring case).
inline bool has_rule(std::string_view prompt, const PromptRule& rule) {
  return contains(lower(prompt), lower(rule.sentence));
}

}  // namespace anneal::fake_llm
