#include "edit/edit_reply.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include <fmt/format.h>

namespace anneal::edit {

namespace {

constexpr std::string_view k_expected_blocks =
    "expected a line with the file's path, then <<<<<<< SEARCH, the exact old lines, =======, "
    "the new lines, >>>>>>> REPLACE";

std::string_view trim(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos)
    return {};
  size_t end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

bool is_blank(std::string_view line) {
  return trim(line).empty();
}

/// A line of the reply shown inside a message, cut so that a long line stays readable.
std::string quoted(std::string_view line) {
  line = trim(line);
  constexpr size_t k_max = 60;
  if (line.size() <= k_max)
    return fmt::format("'{}'", line);
  return fmt::format("'{}...'", line.substr(0, k_max));
}

/// 5 to 9 copies of `c` (aider's tolerance), then `word` if given, and nothing else.
bool is_marker(std::string_view line, char c, std::string_view word) {
  line = trim(line);
  size_t n = 0;
  while (n < line.size() && line[n] == c)
    ++n;
  if (n < 5 || n > 9)
    return false;
  return trim(line.substr(n)) == word;
}

bool is_search_marker(std::string_view line) {
  return is_marker(line, '<', "SEARCH");
}
bool is_divider(std::string_view line) {
  return is_marker(line, '=', "");
}
bool is_replace_marker(std::string_view line) {
  return is_marker(line, '>', "REPLACE");
}

/// The number of backticks opening a fence (``` or more, then an optional language), or 0.
size_t fence_opening(std::string_view line) {
  line = trim(line);
  size_t n = 0;
  while (n < line.size() && line[n] == '`')
    ++n;
  if (n < 3 || line.substr(n).find('`') != std::string_view::npos)
    return 0;
  return n;
}

bool closes_fence(std::string_view line, size_t backticks) {
  line = trim(line);
  return line.size() >= backticks && line.find_first_not_of('`') == std::string_view::npos;
}

/// The path a line names, with the decoration models add around it removed:
/// "`src/a.py`", "**src/a.py**", "# src/a.py", "File: src/a.py", "src/a.py:".
std::optional<std::string> path_in(std::string_view line) {
  line = trim(line);
  if (fence_opening(line) > 0)
    return std::nullopt;
  auto strip = [&line] {
    size_t before = line.size();
    while (!line.empty() && std::string_view("#*`- \t").find(line.front()) != std::string_view::npos)
      line.remove_prefix(1);
    while (!line.empty() && std::string_view("*`: \t").find(line.back()) != std::string_view::npos)
      line.remove_suffix(1);
    return line.size() != before;
  };
  strip();
  if (line.size() > 5 && std::equal(line.begin(), line.begin() + 5,
                                    "file:", [](char a, char b) { return std::tolower(a) == b; })) {
    line.remove_prefix(5);
    while (strip()) {
    }
  }
  if (line.empty() || line.find_first_of(" \t`") != std::string_view::npos)
    return std::nullopt;
  if (is_search_marker(line) || is_divider(line) || is_replace_marker(line))
    return std::nullopt;
  return std::string(line);
}

/// Whether a path line followed by a fence is a whole-file replacement rather than prose
/// before an example: the name must look like a file, not like a word or a call.
bool looks_like_file(std::string_view path) {
  static constexpr std::array<std::string_view, 8> k_bare_names = {
      "Makefile", "Dockerfile", "Justfile", "Gemfile", "Rakefile", "Procfile", "Annealfile", "LICENSE"};
  for (char c : path) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("._/+-@").find(c) == std::string_view::npos)
      return false;
  }
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.empty())
    return false;
  if (slash != std::string_view::npos)
    return true;
  size_t dot = name.find('.', 1);
  if (dot != std::string_view::npos && dot + 1 < name.size())
    return true;
  return std::find(k_bare_names.begin(), k_bare_names.end(), name) != k_bare_names.end();
}

/// The text after "Hypothesis:", tolerating markdown such as "**Hypothesis:** ..." or
/// "## Hypothesis: ...".
std::optional<std::string_view> hypothesis_in(std::string_view line) {
  constexpr std::string_view k_decoration = "*_#> \t";
  line = trim(line);
  while (!line.empty() && k_decoration.find(line.front()) != std::string_view::npos)
    line.remove_prefix(1);
  constexpr std::string_view k_word = "hypothesis";
  if (line.size() < k_word.size() ||
      !std::equal(k_word.begin(), k_word.end(), line.begin(),
                  [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }))
    return std::nullopt;
  line.remove_prefix(k_word.size());
  while (!line.empty() && std::string_view("*_ \t").find(line.front()) != std::string_view::npos)
    line.remove_prefix(1);
  if (line.empty() || line.front() != ':')
    return std::nullopt;
  line.remove_prefix(1);
  while (!line.empty() && k_decoration.find(line.front()) != std::string_view::npos)
    line.remove_prefix(1);
  while (!line.empty() && std::string_view("*_ \t").find(line.back()) != std::string_view::npos)
    line.remove_suffix(1);
  return line;
}

/// The reply with CRLF turned into LF, split into lines that point into it. Not copyable:
/// the lines are views of the text it owns.
class ReplyLines {
 public:
  explicit ReplyLines(std::string_view raw) {
    m_text.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n')
        continue;
      m_text.push_back(raw[i]);
    }
    std::string_view text = m_text;
    while (!text.empty()) {
      size_t end = text.find('\n');
      if (end == std::string_view::npos) {
        m_lines.push_back(text);
        break;
      }
      m_lines.push_back(text.substr(0, end));
      text.remove_prefix(end + 1);
    }
  }
  ReplyLines(const ReplyLines&) = delete;
  ReplyLines& operator=(const ReplyLines&) = delete;

  size_t size() const { return m_lines.size(); }
  std::string_view operator[](size_t i) const { return m_lines[i]; }

  /// Lines [begin, end) with their newlines. Every line before the last ends with one.
  std::string slice(size_t begin, size_t end) const {
    if (begin >= end)
      return {};
    const char* first = m_lines[begin].data();
    const char* last = m_lines[end - 1].data() + m_lines[end - 1].size() + 1;
    return std::string(first, last);
  }

 private:
  std::string m_text;
  std::vector<std::string_view> m_lines;
};

std::unexpected<Error> error_at(size_t index, std::string_view what) {
  return fail(fmt::format("reply line {}: {}", index + 1, what));
}

class ReplyParser {
 public:
  explicit ReplyParser(std::string_view text) : m_lines(text) {}

  Result<EditReply> parse() {
    for (size_t i = 0; i < m_lines.size(); ++i) {
      std::string_view line = m_lines[i];
      if (is_search_marker(line)) {
        auto end = parse_replace_block(i);
        if (!end)
          return std::unexpected(end.error());
        i = *end;
        continue;
      }
      if (is_replace_marker(line))
        return error_at(i, ">>>>>>> REPLACE without a <<<<<<< SEARCH and ======= before it");
      if (!m_found_hypothesis && m_reply.edits.empty()) {
        if (auto hypothesis = hypothesis_in(line)) {
          take_hypothesis(i, *hypothesis);
          continue;
        }
      }
      if (i + 1 < m_lines.size() && fence_opening(m_lines[i + 1]) > 0) {
        auto next = parse_fenced_block(i);
        if (!next)
          return std::unexpected(next.error());
        i = *next;
      }
    }
    if (m_reply.edits.empty())
      return fail(fmt::format("the reply has no edit blocks; {}", k_expected_blocks));
    return std::move(m_reply);
  }

 private:
  void take_hypothesis(size_t i, std::string_view text) {
    m_found_hypothesis = true;
    m_reply.hypothesis = std::string(text);
    // "Hypothesis:" alone on its line: the statement is on the next line, unless that line
    // already starts an edit.
    if (!text.empty() || i + 1 >= m_lines.size())
      return;
    std::string_view next = m_lines[i + 1];
    bool starts_edit =
        i + 2 < m_lines.size() && (is_search_marker(m_lines[i + 2]) || fence_opening(m_lines[i + 2]) > 0);
    if (!is_blank(next) && !starts_edit && fence_opening(next) == 0 && !is_search_marker(next))
      m_reply.hypothesis = std::string(trim(next));
  }

  /// Parses the SEARCH/REPLACE block whose marker is line `i`; returns its last line.
  Result<size_t> parse_replace_block(size_t i) {
    size_t divider = 0;
    for (size_t j = i + 1;; ++j) {
      if (j == m_lines.size())
        return error_at(i, "<<<<<<< SEARCH has no ======= line after it");
      if (is_divider(m_lines[j])) {
        divider = j;
        break;
      }
      if (is_search_marker(m_lines[j]) || is_replace_marker(m_lines[j]))
        return error_at(i, fmt::format("<<<<<<< SEARCH has no ======= line before line {}", j + 1));
    }
    size_t replace_end = 0;
    for (size_t j = divider + 1;; ++j) {
      if (j == m_lines.size())
        return error_at(divider, "======= has no >>>>>>> REPLACE line after it");
      if (is_replace_marker(m_lines[j])) {
        replace_end = j;
        break;
      }
      if (is_search_marker(m_lines[j]))
        return error_at(divider, fmt::format("======= has no >>>>>>> REPLACE line before line {}", j + 1));
    }
    auto path = path_before(i);
    if (!path)
      return std::unexpected(path.error());
    m_reply.edits.push_back(Edit{.kind = Edit::Kind::Replace,
                                 .path = std::move(*path),
                                 .search = m_lines.slice(i + 1, divider),
                                 .replace = m_lines.slice(divider + 1, replace_end),
                                 .line = static_cast<int>(i + 1)});
    m_block_end = replace_end + 1;
    return replace_end;
  }

  /// The path of the block whose SEARCH marker is line `i`: the nearest non-blank line above
  /// it that is not a fence; right after another block, that block's path.
  Result<std::string> path_before(size_t i) {
    size_t j = i;
    while (j > m_block_end) {
      --j;
      std::string_view line = m_lines[j];
      if (is_blank(line) || fence_opening(line) > 0 || closes_fence(line, 3))
        continue;
      if (auto path = path_in(line))
        return std::move(*path);
      return error_at(
          i, fmt::format("the line above <<<<<<< SEARCH must be the file's path, not {}", quoted(line)));
    }
    if (!m_reply.edits.empty())
      return m_reply.edits.back().path;
    return error_at(i, "<<<<<<< SEARCH has no file path on the line above it");
  }

  /// Line `i` is followed by an opening fence. When `i` names a file and the fence holds no
  /// SEARCH marker, the fence is that file's new content. Returns the line to go on after.
  Result<size_t> parse_fenced_block(size_t i) {
    auto path = path_in(m_lines[i]);
    if (!path || !looks_like_file(*path))
      return i;
    size_t backticks = fence_opening(m_lines[i + 1]);
    for (size_t j = i + 2; j < m_lines.size(); ++j) {
      // A SEARCH/REPLACE block wrapped in a fence: let the main loop parse it.
      if (is_search_marker(m_lines[j]))
        return j - 1;
      if (closes_fence(m_lines[j], backticks)) {
        m_reply.edits.push_back(Edit{.kind = Edit::Kind::WholeFile,
                                     .path = std::move(*path),
                                     .search = {},
                                     .replace = m_lines.slice(i + 2, j),
                                     .line = static_cast<int>(i + 1)});
        m_block_end = j + 1;
        return j;
      }
    }
    return error_at(i + 1, fmt::format("the fenced block for {} has no closing ```", *path));
  }

  ReplyLines m_lines;
  EditReply m_reply;
  bool m_found_hypothesis = false;
  size_t m_block_end = 0;  ///< the first line after the last block parsed
};

}  // namespace

Result<EditReply> parse_edit_reply(std::string_view text) {
  return ReplyParser(text).parse();
}

}  // namespace anneal::edit
