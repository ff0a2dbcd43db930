#include "nodes/node_spec.h"
#include "util/json_text.h"

#include <fmt/format.h>

namespace anneal::nodes {

NodeSpec make_spec(nlohmann::json json) {
  json["v"] = k_spec_version;
  NodeSpec spec;
  spec.canonical = dump_json(json);
  spec.key = cache::digest_of(spec.canonical, k_spec_salt);
  spec.json = std::move(json);
  return spec;
}

Result<NodeSpec> parse_spec(std::string_view canonical, const cache::Digest& expected) {
  NodeSpec spec;
  try {
    spec.json = nlohmann::json::parse(canonical);
  } catch (const nlohmann::json::exception& e) {
    return fail(fmt::format("node {}: the stored spec is not valid JSON: {}", expected.hex(), e.what()));
  }
  spec.canonical = std::string(canonical);
  spec.key = cache::digest_of(spec.canonical, k_spec_salt);
  if (spec.key != expected)
    return fail(fmt::format("node {}: the stored spec hashes to {}; it was changed or damaged",
                            expected.hex(), spec.key.hex()));
  if (spec.json.value("v", 0) != k_spec_version)
    return fail(fmt::format("node {}: spec version {} is not {}", expected.hex(),
                            spec.json.value("v", 0), k_spec_version));
  return spec;
}

std::string describe_spec(const nlohmann::json& spec) {
  std::string kind = spec.value("kind", "?");
  std::string target = spec.value("target", "?");
  int experiment = spec.value("experiment", 0);
  if (kind == "mutate")
    return fmt::format("mutate {}#{}.{}", target, experiment, spec.value("draft", 0));
  // A judge's calls and the judge itself are keyed by content, not by an experiment.
  if (kind == "llm" && (spec.value("purpose", "") == "judge" || spec.value("purpose", "") == "generate"))
    return fmt::format("llm {} call of {} ({}{})", spec.value("purpose", ""), target, spec.value("model", "?"),
                       spec.contains("vote") ? fmt::format(", vote {}", spec.value("vote", 0)) : "");
  if (kind == "judge")
    return fmt::format("judge of {} on {}{}", target,
                       spec.contains("sample") ? spec.at("sample").value("name", "?") : "?",
                       spec.value("set", "") == "held_out" ? " (held out)" : "");
  if (kind == "llm")
    return spec.value("purpose", "") == "learnings"
               ? fmt::format("llm {}#{} learnings ({})", target, experiment, spec.value("model", "?"))
               : fmt::format("llm {}#{}.{} ({})", target, experiment, spec.value("draft", 0), spec.value("model", "?"));
  // Gates and stages are keyed by their candidate, not by an experiment number.
  if (kind == "verify" || kind == "stage")
    return fmt::format("{} {} of {}", kind, spec.value("name", "?"), target);
  return fmt::format("{} {}#{}", kind, target, experiment);
}

}  // namespace anneal::nodes
