#pragma once

#include <string>
#include <vector>

namespace anneal {

/// `text` as one word for sh: as it is when it is plain (letters, digits, -_=.,:/@+%#), else
/// single-quoted.
std::string shell_word(const std::string& text);

/// `words` as a command line for sh, each one a word of its own.
std::string shell_words(const std::vector<std::string>& words);

}  // namespace anneal
