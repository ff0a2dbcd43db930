#include "nodes/node_spec.h"

#include <string>

#include <catch2/catch.hpp>

using namespace anneal;
using namespace anneal::nodes;
using nlohmann::json;

namespace {

json stage_fields() {
  return {{"kind", "stage"},
          {"target", "speed"},
          {"name", "latency"},
          {"run", "./bench.sh"},
          {"parse", ""},
          {"repeat", 3},
          {"timeout", 120.0},
          {"scored", true},
          {"keep_if", {{"op", "<"}, {"value", 50.0}}},
          {"candidate", {{"mutate", std::string(32, 'a')}}},
          {"after", json::array({std::string(32, 'b')})}};
}

}  // namespace

TEST_CASE("a spec's canonical form is sorted, compact and versioned", "[nodes]") {
  NodeSpec spec = make_spec({{"run", "./bench.sh"}, {"kind", "stage"}, {"after", json::array({"k2", "k1"})}});
  CHECK(spec.canonical == R"({"after":["k2","k1"],"kind":"stage","run":"./bench.sh","v":1})");
  CHECK(spec.key == cache::digest_of(spec.canonical, k_spec_salt));
  CHECK(spec.json.at("v") == k_spec_version);
  CHECK(spec.kind() == "stage");
}

TEST_CASE("a spec's key does not depend on the order its fields were added in", "[nodes]") {
  json forward = json::object();
  json backward = json::object();
  json reference = stage_fields();
  std::vector<std::string> names;
  for (const auto& [name, value] : reference.items())
    names.push_back(name);
  for (auto it = names.begin(); it != names.end(); ++it)
    forward[*it] = reference.at(*it);
  for (auto it = names.rbegin(); it != names.rend(); ++it)
    backward[*it] = reference.at(*it);
  // Nested objects too.
  backward["keep_if"] = json::object();
  backward["keep_if"]["value"] = 50.0;
  backward["keep_if"]["op"] = "<";

  NodeSpec a = make_spec(forward);
  NodeSpec b = make_spec(backward);
  CHECK(a.canonical == b.canonical);
  CHECK(a.key == b.key);
}

TEST_CASE("a spec's key changes with every field", "[nodes]") {
  const NodeSpec reference = make_spec(stage_fields());
  json changes = {{"kind", "verify"},
                  {"target", "size"},
                  {"name", "latency2"},
                  {"run", "./bench.sh "},
                  {"parse", "awk '{print $2}'"},
                  {"repeat", 5},
                  {"timeout", 60.0},
                  {"scored", false},
                  {"keep_if", {{"op", "<="}, {"value", 50.0}}},
                  {"candidate", {{"commit", std::string(40, 'a')}}},
                  {"after", json::array({std::string(32, 'c')})}};
  for (const auto& [name, value] : changes.items()) {
    INFO("field " << name);
    json changed = stage_fields();
    changed[name] = value;
    CHECK(make_spec(changed).key != reference.key);
    json removed = stage_fields();
    removed.erase(name);
    CHECK(make_spec(removed).key != reference.key);
  }
  SECTION("nested values and added fields count too") {
    json changed = stage_fields();
    changed["keep_if"]["value"] = 50.5;
    CHECK(make_spec(changed).key != reference.key);
    json added = stage_fields();
    added["env"] = "X=1";
    CHECK(make_spec(added).key != reference.key);
    json reordered = stage_fields();
    reordered["after"] = json::array({std::string(32, 'b'), std::string(32, 'd')});
    CHECK(make_spec(reordered).key != reference.key);
  }
}

TEST_CASE("a stored spec is accepted only when its bytes hash to its key", "[nodes]") {
  const NodeSpec spec = make_spec(stage_fields());

  SECTION("intact") {
    auto parsed = parse_spec(spec.canonical, spec.key);
    REQUIRE(parsed);
    CHECK(parsed->json == spec.json);
    CHECK(parsed->canonical == spec.canonical);
    CHECK(parsed->key == spec.key);
  }
  SECTION("edited") {
    std::string edited = spec.canonical;
    edited.replace(edited.find("./bench.sh"), 10, "./other.sh");
    auto parsed = parse_spec(edited, spec.key);
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error().message,
               Catch::StartsWith("node " + spec.key.hex() + ": ") && Catch::Contains("changed or damaged"));
  }
  SECTION("the same JSON in other bytes") {
    auto parsed = parse_spec(json::parse(spec.canonical).dump(2), spec.key);
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error().message, Catch::Contains("changed or damaged"));
  }
  SECTION("truncated") {
    auto parsed = parse_spec(spec.canonical.substr(0, spec.canonical.size() / 2), spec.key);
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error().message, Catch::Contains(spec.key.hex()) && Catch::Contains("not valid JSON"));
  }
  SECTION("under another node's key") {
    NodeSpec other = make_spec({{"kind", "verify"}, {"run", "make"}});
    auto parsed = parse_spec(spec.canonical, other.key);
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error().message, Catch::Contains(other.key.hex()));
  }
  SECTION("another spec version") {
    json future = stage_fields();
    future["v"] = k_spec_version + 1;
    std::string bytes = future.dump();
    auto parsed = parse_spec(bytes, cache::digest_of(bytes, k_spec_salt));
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error().message, Catch::Contains("spec version 2 is not 1"));
  }
}

TEST_CASE("describe_spec names the node's kind, target and experiment", "[nodes]") {
  CHECK(describe_spec({{"kind", "mutate"}, {"target", "api-perf"}, {"experiment", 3}, {"draft", 1}}) ==
        "mutate api-perf#3.1");
  CHECK(describe_spec({{"kind", "decide"}, {"target", "api-perf"}, {"experiment", 3}}) ==
        "decide api-perf#3");
  CHECK(describe_spec(stage_fields()) == "stage latency of speed");
  CHECK(describe_spec({{"kind", "judge"}, {"target", "reply"}, {"set", "held_out"}, {"sample", {{"name", "q1.txt"}}}}) ==
        "judge of reply on q1.txt (held out)");
  CHECK(describe_spec({{"kind", "llm"}, {"target", "reply"}, {"purpose", "judge"}, {"model", "m"}, {"vote", 1}}) ==
        "llm judge call of reply (m, vote 1)");
}
