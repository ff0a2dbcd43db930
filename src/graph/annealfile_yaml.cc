#include "graph/annealfile_yaml.h"

#include <charconv>
#include <cstdlib>
#include <map>

#include <fmt/format.h>
#include <re2/re2.h>

namespace anneal::graph {

namespace {

bool is_plain(const YAML::Node& node) {
  // yaml-cpp tags a plain scalar "?", a quoted one "!", an explicitly tagged one by its tag.
  return node.Tag() == "?" || node.Tag().empty();
}

bool is_integer_text(const std::string& text) {
  // RE2: a 50,000-digit scalar must not recurse std::regex off the stack.
  static const RE2 k_integer("[-+]?[0-9]+");
  return RE2::FullMatch(text, k_integer);
}

bool is_number_text(const std::string& text) {
  static const RE2 k_number(R"([-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)");
  return RE2::FullMatch(text, k_number);
}

/// The value of the key `key` in `map`, and the key node itself (first occurrence).
std::pair<YAML::Node, YAML::Node> find_member(const YAML::Node& map, const std::string& key) {
  for (auto it = map.begin(); it != map.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key)
      return {it->second, it->first};
  return {YAML::Node(YAML::NodeType::Undefined), YAML::Node(YAML::NodeType::Undefined)};
}

void check_keys(const YAML::Node& node, std::vector<Diagnostic>& out) {
  if (node.IsSequence()) {
    for (const YAML::Node& item : node)
      check_keys(item, out);
    return;
  }
  if (!node.IsMap())
    return;
  std::map<std::string, int> first_line;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: `it->` yields a temporary
    if (!key.IsScalar()) {
      out.push_back({location_of(key), "a key must be a plain name, not a list or a mapping"});
    } else if (auto [seen, inserted] = first_line.emplace(key.Scalar(), location_of(key).line);
               !inserted) {
      out.push_back({location_of(key), fmt::format("duplicate key '{}' (first defined on line {})",
                                                   key.Scalar(), seen->second)});
    }
    check_keys(it->second, out);
  }
}

}  // namespace

ScalarType scalar_type(const YAML::Node& node) {
  if (node.IsNull())
    return ScalarType::Null;
  if (!node.IsScalar())
    return ScalarType::String;
  if (!is_plain(node) && node.Tag() != "tag:yaml.org,2002:int" &&
      node.Tag() != "tag:yaml.org,2002:float" && node.Tag() != "tag:yaml.org,2002:bool")
    return ScalarType::String;
  const std::string& text = node.Scalar();
  if (text == "true" || text == "True" || text == "TRUE" || text == "false" || text == "False" ||
      text == "FALSE")
    return ScalarType::Bool;
  if (is_integer_text(text)) {
    // Beyond int64 it is still a number, just not one JSON integers can hold exactly.
    long long value = 0;
    const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
    auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
    return error == std::errc() ? ScalarType::Integer : ScalarType::Number;
  }
  if (is_number_text(text))
    return ScalarType::Number;
  return ScalarType::String;
}

SourceLoc location_of(const YAML::Node& node) {
  YAML::Mark mark = node.Mark();
  if (mark.line < 0 || mark.column < 0)
    return {1, 1};
  return {mark.line + 1, mark.column + 1};
}

YAML::Node node_at(const YAML::Node& root, const YamlPath& path) {
  YAML::Node node = root;
  for (const PathStep& step : path) {
    YAML::Node next(YAML::NodeType::Undefined);
    if (const auto* key = std::get_if<std::string>(&step); key && node.IsMap()) {
      next.reset(find_member(node, *key).first);
    } else if (const auto* index = std::get_if<std::size_t>(&step);
               index && node.IsSequence() && *index < node.size()) {
      next.reset(node[*index]);
    }
    // Rebind, never assign: assigning one yaml-cpp Node to another overwrites the tree.
    node.reset(next);
    if (!node.IsDefined())
      break;
  }
  return node;
}

SourceLoc locate(const YAML::Node& root, const YamlPath& path, bool key) {
  if (path.empty())
    return location_of(root);
  YAML::Node parent = node_at(root, YamlPath(path.begin(), path.end() - 1));
  if (!parent.IsDefined())
    return location_of(root);
  if (const auto* name = std::get_if<std::string>(&path.back()); name && parent.IsMap()) {
    auto [value, key_node] = find_member(parent, *name);
    if (!key_node.IsDefined())
      return location_of(parent);
    if (key || !value.IsScalar())
      return location_of(key_node);
    return location_of(value);
  }
  YAML::Node value = node_at(root, path);
  return location_of(value.IsDefined() ? value : parent);
}

nlohmann::json yaml_to_json(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = node.begin(); it != node.end(); ++it)
      if (it->first.IsScalar() && !out.contains(it->first.Scalar()))
        out[it->first.Scalar()] = yaml_to_json(it->second);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const YAML::Node& item : node)
      out.push_back(yaml_to_json(item));
    return out;
  }
  const std::string text = node.IsScalar() ? node.Scalar() : std::string();
  switch (scalar_type(node)) {
    case ScalarType::Bool: return text == "true" || text == "True" || text == "TRUE";
    case ScalarType::Integer: return std::stoll(text);
    case ScalarType::Number: return std::strtod(text.c_str(), nullptr);
    case ScalarType::Null:
    case ScalarType::String: break;
  }
  return text;
}

std::vector<Diagnostic> check_yaml_keys(const YAML::Node& root) {
  std::vector<Diagnostic> out;
  check_keys(root, out);
  return out;
}

}  // namespace anneal::graph
