#include "graph/scope_file.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "util/file.h"
#include "util/yaml_aliases.h"

namespace anneal::graph {

namespace {

/// A glob or a list of globs; nullopt when the value is anything else.
std::optional<std::vector<std::string>> globs(const YAML::Node& node) {
  if (node.IsNull())
    return std::vector<std::string>{};
  if (node.IsScalar())
    return std::vector<std::string>{node.Scalar()};
  if (!node.IsSequence())
    return std::nullopt;
  std::vector<std::string> out;
  for (const YAML::Node& item : node) {
    if (!item.IsScalar())
      return std::nullopt;
    out.push_back(item.Scalar());
  }
  return out;
}

}  // namespace

Result<Scope> read_scope_file(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text)
    return fail("the scope file: " + text.error().message);
  auto at = [&](const YAML::Mark& mark, const std::string& message) {
    return fail(fmt::format("{}:{}:{}: {}", file.string(), mark.line + 1, mark.column + 1, message));
  };
  if (auto bomb = check_yaml_aliases(*text))
    return fail(fmt::format("{}:{}:{}: {}", file.string(), bomb->line, bomb->column, bomb->message));
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return at(e.mark, "invalid YAML: " + e.msg);
  }
  Scope scope;
  if (!root.IsDefined() || root.IsNull())
    return scope;  // an empty file: nothing besides the artifact is editable
  if (!root.IsMap())
    return at(root.Mark(), "a scope file is a mapping with editable, immutable and hidden lists");
  for (const auto& entry : root) {
    std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    std::vector<std::string>* into = key == "editable"    ? &scope.editable
                                     : key == "immutable" ? &scope.immutable
                                     : key == "hidden"    ? &scope.hidden
                                                          : nullptr;
    if (!into)
      return at(entry.first.Mark(), fmt::format("unknown key '{}' (known: editable, immutable, hidden)", key));
    auto list = globs(entry.second);
    if (!list)
      return at(entry.second.Mark(), fmt::format("'{}' is a glob or a list of globs", key));
    into->insert(into->end(), list->begin(), list->end());
  }
  return scope;
}

}  // namespace anneal::graph
