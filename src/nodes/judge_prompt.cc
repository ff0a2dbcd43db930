#include "nodes/judge_prompt.h"

#include <cctype>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace anneal::nodes {

const std::string_view k_judge_contract =
    "You are a strict, impartial evaluator. You are given a sample, a text to judge, and numbered "
    "criteria, each a question that can be answered YES or NO.\n"
    "Judge the text against each criterion on its own, as literally as the question is asked; "
    "when in doubt, answer NO.\n"
    "Reply with exactly one line per criterion, in the order listed, of the form\n"
    "N: YES\n"
    "or\n"
    "N: NO\n"
    "where N is the criterion's number as listed. Write nothing else.\n";

namespace {

bool space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && space(s.back()))
    s.remove_suffix(1);
  return s;
}

bool starts_with_word(std::string_view s, std::string_view word) {
  if (s.size() < word.size())
    return false;
  for (size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != word[i])
      return false;
  return s.size() == word.size() || !std::isalpha(static_cast<unsigned char>(s[word.size()]));
}

/// Drops separators between a criterion's number and its answer: ":", ".", ")", "-", "=",
/// "[" and the en and em dashes, with spaces around them.
std::string_view skip_separators(std::string_view s) {
  for (;;) {
    if (!s.empty() &&
        (space(s.front()) || std::string_view(":.)-=[").find(s.front()) != std::string_view::npos))
      s.remove_prefix(1);
    else if (s.starts_with("\u2013") || s.starts_with("\u2014"))
      s.remove_prefix(3);
    else
      return s;
  }
}

/// The criterion number (as shown) and the answer a line gives, if it gives one.
std::optional<std::pair<int, Answer>> parse_line(std::string_view raw) {
  std::string text;
  for (char c : raw)
    if (c != '*' && c != '`' && c != '_')  // markdown emphasis and code marks
      text += c;
  std::string_view s = trim(text);
  while (!s.empty() && (s.front() == '#' || s.front() == '>'))
    s = trim(s.substr(1));
  if (s.size() > 1 && (s.front() == '-' || s.front() == '+') && space(s[1]))
    s = trim(s.substr(1));
  for (std::string_view label : {"criterion", "question"})
    if (starts_with_word(s, label))
      s = trim(s.substr(label.size()));
  if (!s.empty() && s.front() == '#')
    s.remove_prefix(1);
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits])))
    ++digits;
  if (digits == 0 || digits > 3)
    return std::nullopt;
  int number = std::stoi(std::string(s.substr(0, digits)));
  s = skip_separators(s.substr(digits));
  if (starts_with_word(s, "yes"))
    return std::pair{number, Answer::yes};
  if (starts_with_word(s, "no"))
    return std::pair{number, Answer::no};
  return std::nullopt;
}

}  // namespace

std::string_view answer_name(Answer answer) {
  switch (answer) {
    case Answer::yes:
      return "YES";
    case Answer::no:
      return "NO";
    case Answer::missing:
      break;
  }
  return "missing";
}

std::vector<int> vote_order(int count, int vote) {
  std::vector<int> order;
  for (int i = 0; i < count; ++i)
    order.push_back(vote % 2 == 0 ? i : count - 1 - i);
  return order;
}

std::string judge_prompt(std::string_view sample, std::string_view judged_text, Judged what,
                         std::span<const std::string> criteria, std::span<const int> order) {
  std::string prompt = fmt::format("## Sample\n\n{}\n\n", trim(sample));
  if (what == Judged::output)
    prompt += fmt::format("## Text to judge: the response to the sample\n\n{}\n\n", trim(judged_text));
  else
    prompt += fmt::format("## Text to judge\n\n{}\n\n", trim(judged_text));
  prompt += "## Criteria\n\n";
  for (size_t i = 0; i < order.size(); ++i)
    prompt += fmt::format("{}. {}\n", i + 1, trim(criteria[static_cast<size_t>(order[i])]));
  prompt += fmt::format(
      "\n## Answer\n\nOne line per criterion, numbered as above: `N: YES` or `N: NO`, from 1 to {}.\n",
      order.size());
  return prompt;
}

std::vector<Answer> parse_judge_reply(std::string_view reply, std::span<const int> order) {
  std::vector<Answer> answers(order.size(), Answer::missing);
  std::vector<bool> contradicted(order.size(), false);
  size_t start = 0;
  while (start <= reply.size()) {
    size_t end = reply.find('\n', start);
    if (end == std::string_view::npos)
      end = reply.size();
    auto line = parse_line(reply.substr(start, end - start));
    start = end + 1;
    if (!line || line->first < 1 || static_cast<size_t>(line->first) > order.size())
      continue;
    auto index = static_cast<size_t>(order[static_cast<size_t>(line->first - 1)]);
    if (answers[index] != Answer::missing && answers[index] != line->second)
      contradicted[index] = true;
    answers[index] = line->second;
  }
  for (size_t i = 0; i < answers.size(); ++i)
    if (contradicted[i])
      answers[i] = Answer::missing;
  return answers;
}

bool complete(std::span<const Answer> answers) {
  for (Answer answer : answers)
    if (answer == Answer::missing)
      return false;
  return true;
}

}  // namespace anneal::nodes
