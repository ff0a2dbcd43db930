#include "graph/annealfile_edit.h"

#include <filesystem>

#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>

#include "graph/annealfile.h"
#include "graph/annealfile_yaml.h"
#include "graph/scope_file.h"
#include "temp_dir.h"
#include "util/file.h"

using namespace anneal::graph;
namespace fs = std::filesystem;

namespace {

const char* const k_block = "new:\n  artifact: [b.txt]\n  agent: tuner\n";

std::string appended(const std::string& text) {
  auto out = append_target(text, k_block);
  REQUIRE(out);
  return *out;
}

}  // namespace

TEST_CASE("a target is added after the last one, comments and layout kept", "[graph][register]") {
  SECTION("targets: is the last entry") {
    CHECK(appended("annealfile: 1\n# the targets\ntargets:\n    old:   # four spaces in\n      artifact: [a.txt]\n"
                   "    # old's notes\n\n# the end\n") ==
          "annealfile: 1\n# the targets\ntargets:\n    old:   # four spaces in\n      artifact: [a.txt]\n"
          "    # old's notes\n\n    new:\n      artifact: [b.txt]\n      agent: tuner\n\n# the end\n");
  }
  SECTION("something follows targets:, with its own comment") {
    CHECK(appended("targets:\n  old: {agent: x}\n\n# shared cache\ncache: {remote: \"http://c\"}\n") ==
          "targets:\n  old: {agent: x}\n\n  new:\n    artifact: [b.txt]\n    agent: tuner\n\n# shared cache\n"
          "cache: {remote: \"http://c\"}\n");
  }
  SECTION("empty targets, as anneal init writes them") {
    CHECK(appended("annealfile: 1\ntargets:\n  # an example:\n  # speed: ...\n") ==
          "annealfile: 1\ntargets:\n  # an example:\n  # speed: ...\n\n  new:\n    artifact: [b.txt]\n"
          "    agent: tuner\n");
    CHECK(appended("targets: {}   # none yet\nagents: {}\n") ==
          "targets: # none yet\n  new:\n    artifact: [b.txt]\n    agent: tuner\n\nagents: {}\n");
    CHECK(appended("annealfile: 1\n\n") == "annealfile: 1\ntargets:\n  new:\n    artifact: [b.txt]\n    agent: tuner\n");
  }
  SECTION("CRLF line endings stay CRLF") {
    CHECK(appended("targets:\r\n  old: {agent: x}\r\n") ==
          "targets:\r\n  old: {agent: x}\r\n\r\n  new:\r\n    artifact: [b.txt]\r\n    agent: tuner\r\n");
  }
}

TEST_CASE("a target is not added where text cannot hold it", "[graph][register]") {
  auto flow = append_target("targets: {old: {agent: x}}\n", k_block);
  REQUIRE_FALSE(flow);
  CHECK_THAT(flow.error().message, Catch::StartsWith("1:1: `targets:` is written as a flow mapping ({…})") &&
                                       Catch::EndsWith("as a block (one target per indented entry) to add one"));
  auto broken = append_target("targets:\n  old: [\n", k_block);
  REQUIRE_FALSE(broken);
  CHECK_THAT(broken.error().message, Catch::Contains("invalid YAML"));
}

TEST_CASE("yaml_scalar reads back as the same string", "[graph][register]") {
  for (const std::string value : {"src/api/handler.py", "python benchmark.py", "awk '{print $2}'", "true", "1.5",
                                  "no", "null", "a: b", "x #y", "say \"hi\"\\n", "*.py", "- x", "", " lead",
                                  "tab\there", "grep 'score' | awk '{print \\$2}'"}) {
    std::string scalar = yaml_scalar(value);
    INFO(scalar);
    YAML::Node node = YAML::Load("k: " + scalar);
    CHECK(node["k"].Scalar() == value);
    CHECK(scalar_type(node["k"]) == ScalarType::String);
  }
  CHECK(yaml_scalar("python benchmark.py") == "python benchmark.py");
  CHECK(yaml_scalar("true") == "\"true\"");
}

TEST_CASE("a scope file holds the seed's editable and immutable lists", "[graph][register]") {
  anneal::testing::TempDir temp;
  const fs::path& dir = temp.path();
  auto write = [&](const std::string& text) { REQUIRE(anneal::write_file_atomic(dir / "scope.yaml", text)); };
  write("editable:\n  - src/**\nimmutable: tests/**\n");
  auto scope = read_scope_file(dir / "scope.yaml");
  REQUIRE(scope);
  CHECK(scope->editable == std::vector<std::string>{"src/**"});
  CHECK(scope->immutable == std::vector<std::string>{"tests/**"});

  write("editable: [a]\neditible: [b]\n");
  auto typo = read_scope_file(dir / "scope.yaml");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().message == (dir / "scope.yaml").string() + ":2:1: unknown key 'editible' (known: editable, "
                                                                "immutable, hidden)");

  std::string annealfile = "annealfile: 1\ntargets:\n  t:\n    artifact: [a.txt]\n    scope: scope.yaml\n"
                           "    agent: {kind: command, run: \"true\"}\n    stages: [{name: s, run: \"true\"}]\n"
                           "    objective: {metric: s, direction: minimize}\n";
  write("immutable: [tests/**]\n");
  auto loaded = parse_annealfile(annealfile, dir / "Annealfile");
  REQUIRE(loaded);
  CHECK(loaded->targets[0].scope.immutable == std::vector<std::string>{"tests/**"});
  CHECK(loaded->targets[0].config["scope"]["immutable"] == nlohmann::json::array({"tests/**"}));
  fs::remove(dir / "scope.yaml");
  auto missing = parse_annealfile(annealfile, dir / "Annealfile");
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::StartsWith((dir / "Annealfile").string() + ":5:12: error: the scope "
                                                        "file: cannot read " + (dir / "scope.yaml").string()));
}
