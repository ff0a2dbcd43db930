#include "graph/failure_classifier.h"

#include <catch2/catch.hpp>

#include "graph/failure_category.h"

using namespace anneal::graph;

namespace {

Target target(bool taxonomy) {
  auto file = parse_annealfile(std::string(R"(annealfile: 1
agents:
  classifier: {kind: api, provider: openai, model: gpt-test}
targets:
  t:
    artifact: [a.txt]
    agent: {kind: command, run: ./agent.sh}
    stages: [{name: size, run: "wc -c < a.txt"}]
    objective: {metric: size, direction: maximize}
)") + (taxonomy ? "    taxonomy: {agent: classifier}\n" : ""),
                               "Annealfile");
  if (!file)
    FAIL(file.error().message);
  return file->targets.front();
}

nlohmann::json record(const std::string& outcome, const std::string& detail) {
  return {{"id", 4}, {"outcome", outcome}, {"detail", detail}, {"score", nullptr}, {"draft", 0}};
}

}  // namespace

TEST_CASE("the taxonomy agent is asked only about what the rules leave as crash or regression", "[graph]") {
  CHECK_FALSE(classification_call(target(false), record("rejected", "stage size: exit status 1"), ""));
  Target t = target(true);
  auto call = classification_call(t, record("rejected", "stage size: exit status 1"), "### stage size\nboom\n");
  REQUIRE(call);
  CHECK(call->spec.json.at("purpose") == "taxonomy");
  CHECK(call->spec.json.at("model") == "gpt-test");
  std::string prompt = call->spec.json.at("prompt").get<std::string>();
  CHECK_THAT(prompt, Catch::Contains("The built-in rules call its failure `crash`"));
  CHECK_THAT(prompt, Catch::Contains("### stage size\nboom\n"));
  CHECK_THAT(prompt, Catch::Contains("- runtime_error: "));
  CHECK(classification_call(t, record("discarded", ""), ""));
  CHECK_FALSE(classification_call(t, record("rejected", "gate lint: exit status 1"), ""));
  nlohmann::json unfinished = record("crashed", "stage size: killed by SIGKILL");
  unfinished["unfinished"] = true;
  CHECK_FALSE(classification_call(t, unfinished, ""));
  // The same failure asks the same question: the call is a cache hit the second time.
  CHECK(classification_call(t, record("discarded", ""), "")->spec.key ==
        classification_call(t, record("discarded", ""), "")->spec.key);
}

TEST_CASE("the classifier's reply sets the category, or leaves a blind spot", "[graph]") {
  nlohmann::json r = record("rejected", "stage size: exit status 1");
  apply_classification(r, "classifier", "**Category:** Logic Error\nReason: the loop stops one short.\n");
  CHECK(r.at("failure") == nlohmann::json{{"category", "logic_error"}, {"by", "classifier"}, {"rule", "crash"},
                                          {"reason", "the loop stops one short"}});
  CHECK(failure_category(r) == "logic_error");
  apply_classification(r, "classifier", "I think cosmic rays flipped a bit.");
  CHECK(r.at("failure").at("category") == "unexplained");
  CHECK(blind_spot(failure_category(r)));
}
