// The fake judge: finds the numbered criteria and the judged text in a judge prompt, answers
// each criterion `N: YES` or `N: NO` by a heuristic keyed on the question's words, then adds
// noise (a few answers flipped, a lean towards YES on the first criterion shown), drawn from
// the request's seed and the prompt, so votes differ but a request always gets the same reply.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text.h"

namespace anneal::fake_llm {

/// The chance that an answer is flipped (the judge's noise).
inline constexpr double k_flip_probability = 0.1;
/// The extra chance that a NO on the first criterion shown becomes YES (position bias).
inline constexpr double k_first_position_yes = 0.15;

/// What the judge found in a prompt.
struct JudgePrompt {
  std::vector<std::string> criteria;  ///< in the order shown, criterion 1 first
  std::string judged;                 ///< the output or artifact being judged
};

namespace judge_detail {

/// "3. text", "3) text", "3: text" → 3 and the text; 0 when the line is not numbered.
inline int numbered(std::string_view line, std::string_view* text) {
  line = trim(line);
  size_t digits = 0;
  while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits])))
    ++digits;
  if (digits == 0 || digits > 3 || digits + 1 >= line.size() || std::string_view(".):").find(line[digits]) ==
                                                                      std::string_view::npos)
    return 0;
  *text = trim(line.substr(digits + 1));
  return first_number(line.substr(0, digits), 0);
}

/// Lines like "1: YES or NO" belong to the answer format, not to the criteria.
inline bool is_answer_example(std::string_view text) {
  for (const std::string& word : words(text))
    if (word != "yes" && word != "no" && word != "or")
      return false;
  return true;
}

inline bool is_heading(std::string_view line) {
  line = trim(line);
  return line.starts_with("#") || (line.starts_with("<") && line.ends_with(">")) ||
         (line.ends_with(":") && word_count(line) <= 6);
}

/// Removes one surrounding backtick fence, if the text is fenced.
inline std::string unfence(std::string_view text) {
  std::vector<std::string_view> lines = split_lines(trim(text));
  if (lines.size() >= 2 && lines.front().starts_with("```") && trim(lines.back()).starts_with("```")) {
    std::string out;
    for (size_t i = 1; i + 1 < lines.size(); ++i)
      out += std::string(lines[i]) + "\n";
    return out;
  }
  return std::string(trim(text)) + "\n";
}

}  // namespace judge_detail

/// The criteria (the last run of lines numbered 1, 2, … K, preferring one after a heading that
/// names criteria or questions) and the judged text (the section before the criteria whose
/// heading names an output, answer, response, artifact or content; else everything between
/// the first section and the criteria).
inline JudgePrompt parse_judge_prompt(std::string_view prompt) {
  using namespace judge_detail;
  std::vector<std::string_view> lines = split_lines(prompt);
  struct Run {
    size_t first, last;
    std::vector<std::string> items;
  };
  std::vector<Run> runs;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view text;
    int n = numbered(lines[i], &text);
    if (n == 0 || is_answer_example(text))
      continue;
    if (n == 1) {
      runs.push_back({i, i, {std::string(text)}});
    } else if (!runs.empty() && n == static_cast<int>(runs.back().items.size()) + 1 && runs.back().last + 3 > i) {
      runs.back().last = i;
      runs.back().items.push_back(std::string(text));
    }
  }
  JudgePrompt parsed;
  if (runs.empty())
    return parsed;
  const Run* chosen = &runs.back();
  for (const Run& run : runs)
    for (size_t back = 1; back <= 3 && back <= run.first; ++back) {
      std::string heading = lower(lines[run.first - back]);
      if (contains(heading, "criteri") || contains(heading, "question"))
        chosen = &run;
    }
  parsed.criteria = chosen->items;
  // The judged section: anneal's "## Text to judge" up to the last "## Criteria" before the
  // criteria (the judged text may hold headings of its own); else the last heading before the
  // criteria that names what is judged.
  size_t end = chosen->first;
  while (end > 0 && (trim(lines[end - 1]).empty() || is_heading(lines[end - 1])))
    --end;
  size_t start = 0;
  bool named = false;
  for (size_t i = 0; i < chosen->first && !named; ++i)
    if (lines[i].starts_with("## Text to judge")) {
      start = i + 1;
      named = true;
    }
  bool anneal_format = named;
  if (anneal_format) {
    for (size_t i = start; i < chosen->first; ++i)
      if (lines[i].starts_with("## Criteria"))
        end = i;
  }
  for (size_t i = 0; i < end && !anneal_format; ++i) {
    std::string line = lower(lines[i]);
    if (!is_heading(lines[i]))
      continue;
    for (std::string_view what : {"output", "answer", "response", "artifact", "content", "judge"})
      if (contains(line, what) && !contains(line, "format")) {
        start = i + 1;
        named = true;
      }
  }
  std::string text;
  for (size_t i = named ? start : 0; i < end; ++i) {
    std::string_view line = lines[i];
    // An XML-ish closing tag or a path header of a multi-file artifact is not judged text.
    if (trim(line).starts_with("</") || (trim(line).starts_with("--- ") && trim(line).ends_with(" ---")))
      continue;
    text += std::string(line) + "\n";
  }
  parsed.judged = unfence(text);
  return parsed;
}

/// The heuristic answer to one criterion about `judged`; `rng` decides unknown questions.
inline bool heuristic_answer(std::string_view question, std::string_view judged, Rng& rng) {
  std::string q = lower(question);
  std::vector<std::string_view> lines;
  for (std::string_view line : split_lines(judged))
    if (!trim(line).empty())
      lines.push_back(trim(line));
  if (contains(q, "bullet") || contains(q, " list")) {
    int bullets = 0;
    for (std::string_view line : lines)
      bullets += line.starts_with("- ") || line.starts_with("* ");
    int most = contains(q, "three") ? 3 : contains(q, "two") ? 2 : first_number(q, 1000);
    return bullets >= 1 && bullets <= most;
  }
  if (contains(q, "summary")) {
    if (lines.empty())
      return false;
    std::string_view first = lines.front();
    return !first.starts_with("- ") && !first.starts_with("* ") && word_count(first) <= 15 &&
           (first.ends_with(".") || first.ends_with("!") || first.ends_with("?"));
  }
  if (contains(q, "source") || contains(q, "cite")) {
    for (std::string_view line : lines)
      if (lower(line).starts_with("source:"))
        return true;
    return false;
  }
  if (contains(q, "word") || contains(q, "short") || contains(q, "concise"))
    return word_count(judged) <= static_cast<size_t>(first_number(q, 60));
  return rng.chance(0.5);
}

/// The judge's reply to `prompt`: one line `N: YES` or `N: NO` per criterion, in the order shown.
inline std::string judge_reply(std::string_view prompt, uint64_t seed) {
  JudgePrompt parsed = parse_judge_prompt(prompt);
  if (parsed.criteria.empty())
    return "I found no numbered criteria to answer.\n";
  Rng rng(seed ^ stable_hash(prompt));
  std::string out;
  for (size_t i = 0; i < parsed.criteria.size(); ++i) {
    bool yes = heuristic_answer(parsed.criteria[i], parsed.judged, rng);
    if (rng.chance(k_flip_probability))
      yes = !yes;
    if (i == 0 && !yes && rng.chance(k_first_position_yes))
      yes = true;
    out += std::to_string(i + 1) + (yes ? ": YES\n" : ": NO\n");
  }
  return out;
}

}  // namespace anneal::fake_llm
