// Text helpers of the fake LLM: a stable hash, a seeded generator, words and lines. Everything
// the fake answers is a function of the request, so these must not depend on the platform.
#pragma once

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace anneal::fake_llm {

/// FNV-1a, 64 bits: the same value on every platform and run (std::hash promises neither).
inline uint64_t stable_hash(std::string_view text, uint64_t seed = 0xcbf29ce484222325ull) {
  uint64_t h = seed;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

/// SplitMix64: small, fast and good enough for reproducible coin flips.
class Rng {
 public:
  explicit Rng(uint64_t seed) : m_state(seed) {}

  uint64_t next() {
    uint64_t z = (m_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  bool chance(double p) { return uniform() < p; }

 private:
  uint64_t m_state;
};

inline std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

inline size_t count_occurrences(std::string_view haystack, std::string_view needle) {
  size_t count = 0;
  for (size_t at = haystack.find(needle); !needle.empty() && at != std::string_view::npos;
       at = haystack.find(needle, at + 1))
    ++count;
  return count;
}

inline std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

/// The lines of `text`, without their newlines (a final newline makes no empty last line).
inline std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos)
      break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

/// Words as a reader counts them: whitespace-separated tokens holding a letter or digit
/// (so a bullet's "-" is not a word). The writer and the judge count the same way.
inline size_t word_count(std::string_view text) {
  size_t count = 0;
  bool in_token = false, has_alnum = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      count += in_token && has_alnum;
      in_token = has_alnum = false;
      continue;
    }
    in_token = true;
    has_alnum = has_alnum || std::isalnum(static_cast<unsigned char>(c));
  }
  return count + (in_token && has_alnum);
}

/// The lowercase alphanumeric words of `text`, apostrophes kept inside a word.
inline std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || (c == '\'' && !word.empty())) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      continue;
    }
    if (!word.empty())
      out.push_back(word);
    word.clear();
  }
  if (!word.empty())
    out.push_back(word);
  return out;
}

/// The first whole number in `text`, or `fallback`.
inline int first_number(std::string_view text, int fallback) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i])))
      continue;
    int value = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && value < 100000; ++i)
      value = value * 10 + (text[i] - '0');
    return value;
  }
  return fallback;
}

}  // namespace anneal::fake_llm
