// The fake writer: answers a customer question the way the system prompt asks, built from the
// question's own words so different questions give different answers. Deterministic.
#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "prompt_rules.h"
#include "text.h"

namespace anneal::fake_llm {

namespace writer_detail {

inline constexpr auto k_stopwords = std::to_array<std::string_view>({
    "a",      "about", "after", "all",    "also",   "am",     "an",     "and",    "any",    "are",
    "as",     "at",    "be",    "been",   "but",    "by",     "can",    "can't",  "could",  "did",
    "do",     "does",  "don't", "for",    "from",   "get",    "got",    "had",    "has",    "have",
    "hello",  "help",  "hi",    "how",    "i",      "i'm",    "i've",   "if",     "in",     "into",
    "is",     "it",    "it's",  "just",   "know",   "me",     "my",     "need",   "no",     "not",
    "now",    "of",    "on",    "one",    "or",     "our",    "out",    "please", "should", "so",
    "some",   "still", "than",  "thanks", "that",   "the",    "their",  "them",   "then",   "there",
    "they",   "this",  "to",    "too",    "up",     "us",     "very",   "want",   "was",    "way",
    "we",     "what",  "when",  "where",  "which",  "why",    "will",   "with",   "would",  "you",
    "your",   "keep",  "again", "acme",   "there's", "isn't", "longer", "anymore", "able", "only", "without",
    "never",  "arrives", "since", "morning", "last", "created", "first", "almost", "shows", "twice",
    "same",   "lists", "every", "turn", "failed", "raise", "point", "nightly", "year's"});

inline constexpr auto k_steps = std::to_array<std::string_view>({
    "Open the {} page in your account settings and follow the steps shown there.",
    "If the {} option is missing, sign out, sign back in and check again.",
    "Our team can look at your {} directly if the problem does not go away.",
    "Changes to your {} usually take effect within a few minutes of saving them.",
    "Make sure the {} details match what we have on file for your account.",
    "You can review the history of your {} under Activity in the dashboard.",
});

inline constexpr std::string_view k_detail =
    "In more detail, every {} change is handled by the account service, which keeps a record of it "
    "and emails you a confirmation, so you can always see who changed what and when.";

inline std::string fill(std::string_view pattern, std::string_view word) {
  std::string out(pattern);
  if (size_t at = out.find("{}"); at != std::string::npos)
    out.replace(at, 2, word);
  return out;
}

/// The question's content words, first occurrence first, at most six.
inline std::vector<std::string> keywords(std::string_view question) {
  std::vector<std::string> out;
  for (const std::string& word : words(question)) {
    bool stop = std::find(k_stopwords.begin(), k_stopwords.end(), word) != k_stopwords.end();
    if (stop || word.size() < 3 || std::find(out.begin(), out.end(), word) != out.end())
      continue;
    out.push_back(word);
    if (out.size() == 6)
      break;
  }
  if (out.empty())
    out.push_back("account");
  return out;
}

inline std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const std::string& part : parts)
    out += (out.empty() ? "" : std::string(separator)) + part;
  return out;
}

}  // namespace writer_detail

/// The answer to `question` under the system prompt `system`.
inline std::string write_answer(std::string_view system, std::string_view question) {
  using namespace writer_detail;
  AnswerStyle style = answer_style(system);
  std::vector<std::string> keys = keywords(question);
  std::string topic = keys.size() > 1 ? keys[0] + " and " + keys[1] : keys[0];
  // One step per content word, the template picked by the word so answers vary.
  std::vector<std::string> steps;
  for (size_t i = 0; i < keys.size(); ++i) {
    steps.push_back(fill(k_steps[(stable_hash(keys[i]) + i) % k_steps.size()], keys[i]));
    if (style.detailed)
      steps.push_back(fill(k_detail, keys[i]));
  }
  std::vector<std::string> head, tail;
  if (style.echo)
    head.push_back("You asked: \"" + std::string(trim(question)) + "\"");
  if (style.summary)
    head.push_back("In short: manage your " + keys[0] + " from your account settings.");
  if (style.friendly)
    tail.push_back("Thanks so much for reaching out, and have a wonderful day!");
  if (style.source)
    tail.push_back("Source: Acme help center, article \"Managing your " + keys[0] + "\".");
  std::string intro = style.word_limit && !style.detailed
                          ? "Thanks for asking about " + topic + "."
                          : "Thank you for contacting Acme support about your " + topic +
                                ", we really appreciate your patience and we are glad to help with this.";
  if (style.bullets && !style.detailed)
    steps.resize(std::min<size_t>(steps.size(), style.max_bullets));
  auto compose = [&] {
    std::vector<std::string> lines = head;
    if (style.bullets) {
      if (!style.summary)  // the summary line introduces the bullets itself
        lines.push_back("Here is what to do about your " + topic + ":");
      for (const std::string& step : steps)
        lines.push_back("- " + step);
    } else {
      lines.push_back(intro + " " + join(steps, " "));
    }
    lines.insert(lines.end(), tail.begin(), tail.end());
    return join(lines, "\n") + "\n";
  };
  std::string answer = compose();
  // A word limit drops steps from the end (keeping one); "detailed" wins over it.
  while (style.word_limit && !style.detailed && steps.size() > 1 &&
         word_count(answer) > static_cast<size_t>(*style.word_limit)) {
    steps.pop_back();
    answer = compose();
  }
  return answer;
}

}  // namespace anneal::fake_llm
