#include "graph/annealfile_schema.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "graph/annealfile_yaml.h"
#include "graph/annealfile_yaml_adapter.h"

namespace anneal::graph {

namespace {

struct LoadedSchema {
  YAML::Node document;  ///< the schema as YAML, for turning errors into words
  valijson::Schema schema;
  std::string error;  ///< why the schema did not load; empty when it did
};

const LoadedSchema& built_in_schema() {
  static const std::unique_ptr<LoadedSchema> loaded = [] {
    auto out = std::make_unique<LoadedSchema>();
    try {
      out->document = YAML::Load(k_annealfile_schema);
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      parser.populateSchema(yaml_adapter::Adapter(out->document), out->schema);
    } catch (const YAML::Exception& e) {
      out->error = fmt::format("annealfile.schema.yaml:{}:{}: {}", e.mark.line + 1,
                               e.mark.column + 1, e.msg);
    } catch (const std::exception& e) {
      out->error = fmt::format("annealfile.schema.yaml: {}", e.what());
    }
    return out;
  }();
  return *loaded;
}

// ---------------------------------------------------------------------------------------
// Finding the schema that applies to a place in the Annealfile, to say what was expected.

/// The subschemas that may apply at one place, and the `$ref`s followed to reach them.
struct Subschemas {
  std::vector<YAML::Node> nodes;
  std::set<std::string> refs;
};

YAML::Node member(const YAML::Node& map, const char* key) {
  if (!map.IsMap())
    return YAML::Node(YAML::NodeType::Undefined);
  return node_at(map, {std::string(key)});
}

std::vector<std::string> scalars_of(const YAML::Node& schemas_keyword) {
  std::vector<std::string> out;
  if (schemas_keyword.IsScalar())
    out.push_back(schemas_keyword.Scalar());
  else if (schemas_keyword.IsSequence())
    for (const YAML::Node& item : schemas_keyword)
      if (item.IsScalar())
        out.push_back(item.Scalar());
  return out;
}

/// Whether `instance` meets an `if` of the kind the schema uses (required keys, `const`
/// properties); true when it cannot tell, so that nothing applicable is left out.
bool meets(const YAML::Node& condition, const YAML::Node& instance) {
  if (!instance.IsDefined() || !instance.IsMap())
    return true;
  for (const std::string& key : scalars_of(member(condition, "required")))
    if (!node_at(instance, {key}).IsDefined())
      return false;
  YAML::Node properties = member(condition, "properties");
  if (!properties.IsMap())
    return true;
  for (auto it = properties.begin(); it != properties.end(); ++it) {
    YAML::Node expected = member(it->second, "const");
    YAML::Node actual = node_at(instance, {it->first.Scalar()});
    if (expected.IsScalar() && actual.IsDefined() &&
        !(actual.IsScalar() && actual.Scalar() == expected.Scalar()))
      return false;
  }
  return true;
}

/// Adds `schema` and every subschema that applies with it to the same `instance`.
void expand(const YAML::Node& document, const YAML::Node& schema, const YAML::Node& instance,
            Subschemas& out, int depth) {
  if (!schema.IsMap() || depth > 32)
    return;
  if (YAML::Node ref = member(schema, "$ref"); ref.IsScalar()) {
    const std::string prefix = "#/definitions/";
    if (ref.Scalar().starts_with(prefix)) {
      out.refs.insert(ref.Scalar());
      YAML::Node definitions = member(document, "definitions");
      expand(document, member(definitions, ref.Scalar().substr(prefix.size()).c_str()), instance,
             out, depth + 1);
    }
    return;  // draft-07 ignores a $ref's siblings
  }
  out.nodes.push_back(schema);
  for (const char* keyword : {"allOf", "anyOf", "oneOf"})
    if (YAML::Node list = member(schema, keyword); list.IsSequence())
      for (const YAML::Node& sub : list)
        expand(document, sub, instance, out, depth + 1);
  if (YAML::Node condition = member(schema, "if"); condition.IsDefined()) {
    bool met = meets(condition, instance);
    if (met)
      expand(document, member(schema, "then"), instance, out, depth + 1);
    if (!met || !instance.IsDefined())
      expand(document, member(schema, "else"), instance, out, depth + 1);
  }
}

/// The subschemas that apply at `path` of the Annealfile `root`.
Subschemas subschemas_at(const YAML::Node& document, const YAML::Node& root, const YamlPath& path) {
  Subschemas current;
  expand(document, document, root, current, 0);
  for (size_t depth = 0; depth < path.size(); ++depth) {
    const PathStep& step = path[depth];
    YAML::Node instance = node_at(root, YamlPath(path.begin(), path.begin() + depth + 1));
    Subschemas next;
    for (const YAML::Node& schema : current.nodes) {
      if (const auto* key = std::get_if<std::string>(&step)) {
        YAML::Node property = member(member(schema, "properties"), key->c_str());
        if (property.IsDefined())
          expand(document, property, instance, next, 0);
        else
          expand(document, member(schema, "additionalProperties"), instance, next, 0);
      } else {
        expand(document, member(schema, "items"), instance, next, 0);
      }
    }
    current = std::move(next);
  }
  return current;
}

// ---------------------------------------------------------------------------------------
// Words.

std::string quoted_name(const YAML::Node& root, const YamlPath& item) {
  YAML::Node name = node_at(root, item);
  name.reset(name.IsMap() ? node_at(name, {std::string("name")}) : YAML::Node());
  if (name.IsDefined() && name.IsScalar())
    return fmt::format("'{}'", name.Scalar());
  return fmt::format("#{}", std::get<std::size_t>(item.back()) + 1);
}

std::string key_at(const YamlPath& path, size_t i) {
  if (i >= path.size())
    return {};
  if (const auto* key = std::get_if<std::string>(&path[i]))
    return *key;
  return {};
}

/// What the mapping at `path` is, for "... in target 'api'": "target 'api'",
/// "stage 'latency' of target 'api'", "the agent of target 'api'", ...
std::string owner(const YAML::Node& root, const YamlPath& path) {
  const size_t n = path.size();
  if (n >= 2 && std::holds_alternative<std::size_t>(path[n - 1]) && key_at(path, n - 2) == "params")
    return fmt::format("tune param {} of {}", std::get<std::size_t>(path[n - 1]) + 1,
                       owner(root, YamlPath(path.begin(), path.end() - 2)));
  if (n == 2 && key_at(path, 0) == "agents")
    return fmt::format("agent '{}'", key_at(path, 1));
  if (n == 2 && key_at(path, 0) == "targets")
    return fmt::format("target '{}'", key_at(path, 1));
  if (n >= 3 && key_at(path, 0) == "targets") {
    std::string target = owner(root, YamlPath(path.begin(), path.begin() + 2));
    std::string field = key_at(path, 2);
    if (n == 3 && (field == "agent" || field == "judge"))
      return fmt::format("the {} of {}", field, target);
    if (n == 3)
      return fmt::format("'{}' of {}", field, target);
    if (n == 4 && field == "judge" && key_at(path, 3) == "agent")
      return fmt::format("the agent of the judge of {}", target);
    if (n == 4 && (field == "stages" || field == "verify" || field == "deploy"))
      return fmt::format("{} {} of {}", field == "stages" ? "stage" : field == "verify" ? "gate" : "deploy tier",
                         quoted_name(root, path), target);
  }
  std::string dotted;
  for (const PathStep& step : path) {
    if (!dotted.empty())
      dotted += '.';
    dotted += std::holds_alternative<std::string>(step)
                  ? std::get<std::string>(step)
                  : std::to_string(std::get<std::size_t>(step) + 1);
  }
  return fmt::format("'{}'", dotted);
}

std::string where(const YAML::Node& root, const YamlPath& path) {
  return path.empty() ? " at the top level" : " in " + owner(root, path);
}

/// The value at `path` as the subject of a sentence: "'timeout'", "item 2 of 'criteria'".
std::string subject(const YamlPath& path) {
  if (path.empty())
    return "the Annealfile";
  if (const auto* key = std::get_if<std::string>(&path.back()))
    return fmt::format("'{}'", *key);
  std::string list = path.size() >= 2 ? key_at(path, path.size() - 2) : std::string();
  return fmt::format("item {} of '{}'", std::get<std::size_t>(path.back()) + 1, list);
}

std::string type_words(const std::vector<std::string>& types) {
  static const std::map<std::string, std::string> k_words = {
      {"array", "a list"},   {"boolean", "true or false"}, {"integer", "a whole number"},
      {"null", "empty"},     {"number", "a number"},       {"object", "a mapping"},
      {"string", "a string"}};
  std::vector<std::string> words;
  // A number includes the integers: say it once.
  for (const auto& type : types)
    if (!(type == "integer" && std::find(types.begin(), types.end(), "number") != types.end()))
      words.push_back(k_words.contains(type) ? k_words.at(type) : type);
  std::string out;
  for (size_t i = 0; i < words.size(); ++i)
    out += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// " (did you mean 'stages'?)" when a known field is a near miss for `name`.
std::string suggestion(const Subschemas& schemas, const std::string& name) {
  std::string best;
  size_t best_distance = std::max<size_t>(1, name.size() / 3) + 1;
  for (const YAML::Node& schema : schemas.nodes) {
    YAML::Node properties = member(schema, "properties");
    if (!properties.IsMap())
      continue;
    for (auto it = properties.begin(); it != properties.end(); ++it) {
      size_t distance = edit_distance(name, it->first.Scalar());
      if (distance > 0 && distance < best_distance) {
        best_distance = distance;
        best = it->first.Scalar();
      }
    }
  }
  return best.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", best);
}

/// The number at the end of one of valijson's range messages, written the short way.
std::string trailing_number(const std::string& description) {
  size_t start = description.find_last_of(' ');
  std::string text = description.substr(start + 1);
  double value = 0;
  if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc())
    return text;
  return fmt::format("{}", value);
}

// ---------------------------------------------------------------------------------------
// valijson's errors to diagnostics.

struct SchemaError {
  YamlPath path;
  std::string description;
};

/// valijson names places "<root>", "[targets]", "[0]"; whether "[0]" is a key or an index
/// depends on the node it steps into.
YamlPath path_of(const YAML::Node& root, const std::vector<std::string>& context) {
  YamlPath path;
  YAML::Node node = root;
  for (size_t i = 1; i < context.size(); ++i) {
    std::string step = context[i].substr(1, context[i].size() - 2);
    size_t index = 0;
    if (node.IsSequence() &&
        std::from_chars(step.data(), step.data() + step.size(), index).ec == std::errc())
      path.emplace_back(index);
    else
      path.emplace_back(step);
    node.reset(node_at(root, path));
  }
  return path;
}

bool is_within(const YamlPath& inner, const YamlPath& outer) {
  return inner.size() >= outer.size() && std::equal(outer.begin(), outer.end(), inner.begin());
}

std::string quoted_between(const std::string& text) {
  size_t end = text.rfind('\'');
  size_t begin = end == std::string::npos ? end : text.rfind('\'', end - 1);
  if (begin == std::string::npos)
    return text;
  return text.substr(begin + 1, end - begin - 1);
}

const std::string k_type_error = "Value type not permitted by 'type' constraint.";

std::vector<Diagnostic> to_diagnostics(const YAML::Node& root, const YAML::Node& document,
                                       const SchemaError& error) {
  const std::string& text = error.description;
  // Wrappers that repeat a nested error in other words.
  if (text.starts_with("Failed to validate") || text.starts_with("Cannot validate") ||
      text.starts_with("Failed to match expected value set by 'const'"))
    return {};
  const SourceLoc loc = locate(root, error.path);
  if (text.starts_with("Object contains a property that could not be validated")) {
    // valijson names the first unknown field of a mapping only; report them all.
    Subschemas schemas = subschemas_at(document, root, error.path);
    std::set<std::string> known;
    for (const YAML::Node& schema : schemas.nodes)
      if (YAML::Node properties = member(schema, "properties"); properties.IsMap())
        for (auto it = properties.begin(); it != properties.end(); ++it)
          known.insert(it->first.Scalar());
    std::vector<std::string> unknown;
    YAML::Node object = node_at(root, error.path);
    for (auto it = object.begin(); object.IsMap() && it != object.end(); ++it)
      if (!known.contains(it->first.Scalar()))
        unknown.push_back(it->first.Scalar());
    if (unknown.empty())
      unknown.push_back(quoted_between(text));
    std::vector<Diagnostic> out;
    for (const std::string& name : unknown) {
      YamlPath key = error.path;
      key.emplace_back(name);
      out.push_back({locate(root, key, true),
                     fmt::format("unknown field '{}'{}{}", name, where(root, error.path),
                                 suggestion(schemas, name))});
    }
    return out;
  }
  if (text.starts_with("Missing required property"))
    return {Diagnostic{loc, fmt::format("missing required field '{}'{}", quoted_between(text),
                                        where(root, error.path))}};
  if (text == k_type_error) {
    Subschemas schemas = subschemas_at(document, root, error.path);
    if (schemas.refs.contains("#/definitions/duration"))
      return {Diagnostic{loc, fmt::format("{} must be a duration such as 90, 90s, 2m or 1.5h",
                                          subject(error.path))}};
    std::vector<std::string> types;  // in the schema's order: the usual choice first
    for (const YAML::Node& schema : schemas.nodes)
      for (const std::string& type : scalars_of(member(schema, "type")))
        if (std::find(types.begin(), types.end(), type) == types.end())
          types.push_back(type);
    return {Diagnostic{loc, fmt::format("{} must be {}", subject(error.path), type_words(types))}};
  }
  if (text.starts_with("Failed to match against any enum values")) {
    std::vector<std::string> values;
    for (const YAML::Node& schema : subschemas_at(document, root, error.path).nodes)
      for (const std::string& value : scalars_of(member(schema, "enum")))
        values.push_back(value);
    return {Diagnostic{
        loc, fmt::format("{} must be one of {}", subject(error.path), fmt::join(values, ", "))}};
  }
  if (text.starts_with("Expected number greater than or equal to"))
    return {Diagnostic{
        loc, fmt::format("{} must be at least {}", subject(error.path), trailing_number(text))}};
  if (text.starts_with("Expected number greater than"))
    return {Diagnostic{loc, fmt::format("{} must be greater than {}", subject(error.path),
                                        trailing_number(text))}};
  if (text.starts_with("Expected number less than or equal to"))
    return {Diagnostic{
        loc, fmt::format("{} must be at most {}", subject(error.path), trailing_number(text))}};
  if (text.starts_with("Expected number less than"))
    return {Diagnostic{
        loc, fmt::format("{} must be less than {}", subject(error.path), trailing_number(text))}};
  if (text.starts_with("Array should contain no fewer than"))
    return {Diagnostic{loc, fmt::format("{} must not be empty", subject(error.path))}};
  return {Diagnostic{loc, fmt::format("invalid {}: {}", subject(error.path), text)}};
}

}  // namespace

std::vector<Diagnostic> validate_annealfile_schema(const YAML::Node& root) {
  const LoadedSchema& loaded = built_in_schema();
  if (!loaded.error.empty())
    return {{{1, 1}, "anneal's built-in schema does not load (a bug in anneal): " + loaded.error}};

  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  if (validator.validate(loaded.schema, yaml_adapter::Adapter(root), &results))
    return {};

  std::vector<SchemaError> errors;
  valijson::ValidationResults::Error error;
  while (results.popError(error))
    errors.push_back({path_of(root, error.context), error.description});

  // oneOf/anyOf report every alternative. A value that is the right type for one alternative
  // but wrong inside it also "has the wrong type" for the others: keep the specific errors.
  std::vector<Diagnostic> out;
  std::set<YamlPath> typed;
  for (const SchemaError& e : errors) {
    if (e.description == k_type_error) {
      bool deeper = std::any_of(errors.begin(), errors.end(), [&](const SchemaError& other) {
        return other.description != k_type_error && is_within(other.path, e.path) &&
               !other.description.starts_with("Failed to validate") &&
               !other.description.starts_with("Cannot validate");
      });
      // One message per place, naming every type the alternatives allow.
      if (deeper || !typed.insert(e.path).second)
        continue;
    }
    for (Diagnostic& diagnostic : to_diagnostics(root, loaded.document, e))
      out.push_back(std::move(diagnostic));
  }
  return out;
}

Result<void> check_annealfile_schema() {
  const LoadedSchema& loaded = built_in_schema();
  if (!loaded.error.empty())
    return fail(loaded.error);
  return {};
}

}  // namespace anneal::graph
