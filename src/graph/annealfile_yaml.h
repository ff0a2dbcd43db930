// The Annealfile reader's view of a yaml-cpp tree: scalar types, positions, JSON.
#pragma once

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/diagnostic.h"

namespace anneal::graph {

/// What a YAML scalar means. yaml-cpp hands every scalar over as text; this resolves a plain
/// (unquoted) scalar by YAML 1.2's core schema, so `repeat: 3` is an integer, `exclusive:
/// true` a boolean and `timeout: 60s` a string, while a quoted or `!!str` scalar is always a
/// string. YAML 1.1's yes/no/on/off are strings, so a boolean is spelled true or false.
enum class ScalarType { Null, Bool, Integer, Number, String };

/// The type of a scalar or null node (a mapping or sequence is reported as String).
ScalarType scalar_type(const YAML::Node& node);

/// The 1-based position of `node` (1:1 when yaml-cpp knows none).
SourceLoc location_of(const YAML::Node& node);

/// One step into a tree: a mapping key or a sequence index.
using PathStep = std::variant<std::string, std::size_t>;
using YamlPath = std::vector<PathStep>;

/// The node at `path`; an invalid node (`!node.IsDefined()`) when there is none.
/// With duplicate keys (already reported) the first one wins.
YAML::Node node_at(const YAML::Node& root, const YamlPath& path);

/// Where a diagnostic about the value at `path` points: a scalar at its value; a mapping,
/// sequence or empty value at its key (that is where the reader looks for it); the key itself
/// when `key` is true.
SourceLoc locate(const YAML::Node& root, const YamlPath& path, bool key = false);

/// The tree as JSON: numbers as numbers, booleans as booleans, every other scalar (null
/// included) as a string.
nlohmann::json yaml_to_json(const YAML::Node& node);

/// Reports what yaml-cpp accepts silently: a key that appears twice in one mapping ("duplicate
/// key 'x'", at the second) and a key that is not a plain scalar.
std::vector<Diagnostic> check_yaml_keys(const YAML::Node& root);

}  // namespace anneal::graph
