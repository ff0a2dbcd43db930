#include "graph/diagnostic.h"

#include <algorithm>
#include <set>
#include <tuple>

#include <fmt/format.h>

namespace anneal::graph {

namespace {

/// The 1-based `line` of `text` without its line break, or nullopt past the end.
std::optional<std::string_view> source_line(std::string_view text, int line) {
  size_t begin = 0;
  for (int i = 1; i < line; ++i) {
    size_t newline = text.find('\n', begin);
    if (newline == std::string_view::npos)
      return std::nullopt;
    begin = newline + 1;
  }
  if (begin > text.size())
    return std::nullopt;
  size_t end = text.find('\n', begin);
  std::string_view result = text.substr(begin, end == std::string_view::npos ? end : end - begin);
  if (!result.empty() && result.back() == '\r')
    result.remove_suffix(1);
  return result;
}

}  // namespace

std::string format_diagnostic(const std::filesystem::path& path, std::string_view text,
                              const Diagnostic& diagnostic, bool caret) {
  const SourceLoc& loc = diagnostic.loc;
  if (loc.line <= 0)
    return fmt::format("{}: error: {}", path.string(), diagnostic.message);
  std::string out =
      fmt::format("{}:{}:{}: error: {}", path.string(), loc.line, loc.column, diagnostic.message);
  if (!caret)
    return out;
  auto line = source_line(text, loc.line);
  if (!line)
    return out;
  // Copy tabs from the source line so the caret lines up however the terminal sets tabs.
  std::string pad;
  for (int i = 0; i + 1 < loc.column; ++i)
    pad += i < static_cast<int>(line->size()) && (*line)[i] == '\t' ? '\t' : ' ';
  out += fmt::format("\n{:>5} | {}\n{:>5} | {}^", loc.line, *line, "", pad);
  return out;
}

std::string format_diagnostics(const std::filesystem::path& path, std::string_view text,
                               std::vector<Diagnostic> diagnostics, bool caret) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const auto& a, const auto& b) {
    return std::tie(a.loc.line, a.loc.column) < std::tie(b.loc.line, b.loc.column);
  });
  std::string out;
  std::set<std::tuple<int, int, std::string_view>> seen;
  for (const Diagnostic& diagnostic : diagnostics) {
    if (!seen.emplace(diagnostic.loc.line, diagnostic.loc.column, diagnostic.message).second)
      continue;
    if (!out.empty())
      out += '\n';
    out += format_diagnostic(path, text, diagnostic, caret);
  }
  return out;
}

}  // namespace anneal::graph
