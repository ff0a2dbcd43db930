#include "graph/annealfile_edit.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "graph/annealfile_yaml.h"

namespace anneal::graph {

namespace {

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end == std::string_view::npos ? end : end - start);
    if (line.ends_with('\r'))
      line.remove_suffix(1);
    lines.emplace_back(line);
    if (end == std::string_view::npos)
      break;
    start = end + 1;
  }
  return lines;
}

/// The line of `targets:` with an empty value written after the colon (`{}`, `null`, `~`)
/// taken out, keeping a comment; nullopt when something else is written there.
std::optional<std::string> open_up(const std::string& line, size_t key_column) {
  size_t colon = line.find(':', key_column);
  if (colon == std::string::npos)
    return std::nullopt;
  std::string rest = line.substr(colon + 1);
  std::string comment;
  if (size_t hash = rest.find(" #"); hash != std::string::npos) {
    comment = rest.substr(hash);
    rest.resize(hash);
  }
  rest.erase(std::remove_if(rest.begin(), rest.end(), [](char c) { return c == ' ' || c == '\t'; }), rest.end());
  if (rest != "" && rest != "{}" && rest != "~" && rest != "null" && rest != "Null" && rest != "NULL")
    return std::nullopt;
  return line.substr(0, colon + 1) + comment;
}

}  // namespace

Result<std::string> append_target(std::string_view text, std::string_view block) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return fail(fmt::format("{}:{}: invalid YAML: {}; fix it first", e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  const std::string eol = text.find("\r\n") != std::string_view::npos ? "\r\n" : "\n";
  std::vector<std::string> lines = split_lines(text);

  // Where `targets:` is, and where the top-level entry after it starts.
  std::optional<int> key_line;
  size_t key_column = 0;
  YAML::Node targets;
  int next_line = static_cast<int>(lines.size());
  if (root.IsMap())
    for (const auto& entry : root) {
      int line = entry.first.Mark().line;
      if (entry.first.IsScalar() && entry.first.Scalar() == "targets" && !key_line) {
        key_line = line;
        key_column = static_cast<size_t>(std::max(0, entry.first.Mark().column));
        targets = entry.second;
      } else if (key_line && line > *key_line) {
        next_line = std::min(next_line, line);
      }
    }
  else if (root.IsDefined() && !root.IsNull())
    return fail("the Annealfile is not a mapping; fix it first");

  size_t indent = 2;
  size_t insert_at = lines.size();
  if (!key_line) {
    while (!lines.empty() && blank(lines.back()))
      lines.pop_back();
    key_line = static_cast<int>(lines.size());
    lines.push_back("targets:");
    insert_at = lines.size();
  } else {
    if (targets.IsMap() && targets.size() > 0) {
      if (targets.Style() == YAML::EmitterStyle::Flow)
        return fail(fmt::format("{}:{}: `targets:` is written as a flow mapping ({{…}}); write it as a block "
                                "(one target per indented entry) to add one",
                                *key_line + 1, key_column + 1));
      indent = static_cast<size_t>(std::max(1, targets.begin()->first.Mark().column));
    } else if (targets.IsMap() || targets.IsNull()) {
      auto opened = open_up(lines[*key_line], key_column);
      if (!opened)
        return fail(fmt::format("{}:{}: cannot add a target after what is written there", *key_line + 1,
                                key_column + 1));
      lines[*key_line] = *opened;
    } else {
      return fail(fmt::format("{}:{}: `targets:` is not a mapping; fix it first", *key_line + 1, key_column + 1));
    }
    // Blank lines and comments at the left margin just before the next entry belong to it.
    insert_at = static_cast<size_t>(next_line);
    while (insert_at > static_cast<size_t>(*key_line) + 1 &&
           (blank(lines[insert_at - 1]) || lines[insert_at - 1].starts_with('#')))
      --insert_at;
  }

  std::vector<std::string> added;
  if (insert_at > static_cast<size_t>(*key_line) + 1 && !blank(lines[insert_at - 1]))
    added.emplace_back();  // a blank line between targets
  for (const std::string& line : split_lines(block))
    added.push_back(blank(line) ? std::string() : std::string(indent, ' ') + line);
  bool after_last_line = insert_at == lines.size();
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(insert_at), added.begin(), added.end());
  if (!after_last_line && !blank(lines[insert_at + added.size()]))
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(insert_at + added.size()), std::string());

  std::string out;
  for (const std::string& line : lines)
    out += line + eol;
  return out;
}

std::string yaml_scalar(std::string_view value) {
  auto plain_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '/' || c == '-' || c == '*' || c == ' ' || c == '+' || c == '=' || c == '?';
  };
  bool plain = !value.empty() && value.front() != ' ' && value.back() != ' ' && value.front() != '*' &&
               value.front() != '-' && value.front() != '?' && std::all_of(value.begin(), value.end(), plain_char);
  if (plain) {
    // What YAML would read as a number, a boolean or null is quoted (and yes/no for old readers).
    std::string lower(value);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    try {
      YAML::Node node = YAML::Load(std::string(value));
      plain = node.IsScalar() && node.Scalar() == value && scalar_type(node) == ScalarType::String &&
              lower != "yes" && lower != "no" && lower != "on" && lower != "off" && lower != "y" && lower != "n";
    } catch (const YAML::Exception&) {
      plain = false;
    }
  }
  if (plain)
    return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\')
      out += {'\\', c};
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (u < 0x20 || u == 0x7f)
      out += fmt::format("\\x{:02x}", u);
    else
      out += c;
  }
  return out + "\"";
}

}  // namespace anneal::graph
