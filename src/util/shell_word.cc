#include "util/shell_word.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace anneal {

std::string shell_word(const std::string& text) {
  bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_=.,:/@+%#", c);
  });
  // '#' starts a comment only at the start of a word.
  if (plain && text[0] != '#')
    return text;
  std::string out = "'";
  for (char c : text)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell_words(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words)
    out += (out.empty() ? "" : " ") + shell_word(word);
  return out;
}

}  // namespace anneal
