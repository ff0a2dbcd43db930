#include "graph/judge_plan.h"
#include "graph/sequential_judging.h"

#include <catch2/catch.hpp>

using namespace anneal::graph;

namespace {

Target judged_target(const std::string& test = "") {
  auto file = parse_annealfile(R"(annealfile: 1
targets:
  reply:
    artifact: [prompt.md]
    agent: {kind: api, provider: openai, model: gpt-test}
    judge:
      agent: {kind: api, provider: anthropic, model: judge-test, max_concurrent: 2}
      samples: ["a", "b"]
      criteria: ["Is it short?", {name: polite, question: "Is it polite?", keep_if: ">= 0.5"}]
      votes: 4
)" + test + R"(
    objective: {metric: judge.polite, direction: maximize}
)",
                               "Annealfile");
  if (!file)
    FAIL(file.error().message);
  return file->targets.front();
}

}  // namespace

TEST_CASE("a candidate gets one judge node per sample, keyed by what is judged and how", "[graph]") {
  Target target = judged_target();
  std::vector<JudgeSample> samples = {{"inline-1", "a"}, {"inline-2", "b"}};
  auto nodes = plan_judge_nodes(target, {{"commit", "abc"}}, {}, "samples", samples, "reply#1.0");
  REQUIRE(nodes.size() == 2);
  CHECK(nodes[0].spec.kind() == "judge");
  CHECK(nodes[0].pool == "llm_anthropic");
  CHECK(nodes[0].pool_depth == 2);
  CHECK(nodes[0].spec.json.at("sample").at("text") == "a");
  CHECK(nodes[0].spec.json.at("votes") == 4);
  CHECK(nodes[0].spec.json.at("criteria") == nlohmann::json{"Is it short?", "Is it polite?"});
  CHECK(nodes[0].spec.key != nodes[1].spec.key);
  // Another candidate, another node; another sample text, another node.
  auto other = plan_judge_nodes(target, {{"commit", "def"}}, {}, "samples", samples, "reply#2.0");
  CHECK(other[0].spec.key != nodes[0].spec.key);
  samples[0].text = "a!";
  CHECK(plan_judge_nodes(target, {{"commit", "abc"}}, {}, "samples", samples, "x")[0].spec.key != nodes[0].spec.key);

  nlohmann::json fields = judge_decide_fields(target);
  CHECK(fields.at("objective") == 1);
  CHECK(fields.at("criteria").at(1).at("label") == "judge.polite");
  CHECK(fields.at("criteria").at(1).at("keep_if") == nlohmann::json{{"op", ">="}, {"value", 0.5}});
  CHECK(fields.at("criteria").at(0).at("label") == "judge.1");
}

TEST_CASE("too few samples for the window's first level is said before anything runs", "[graph]") {
  Target target = judged_target();
  // alpha 0.05 over a window of 50: 0.001 needs 2^-n <= 0.001, ten samples.
  CHECK_THAT(judge_power_warning(target, 9), Catch::Contains("with 9 samples the judge's Wilcoxon test can never"));
  CHECK_THAT(judge_power_warning(target, 9), Catch::Contains("at least 10 samples"));
  CHECK(judge_power_warning(target, 10).empty());
  CHECK(judge_power_warning(target, 5).empty());  // Cohen's d_z decides below six pairs
  CHECK(judge_power_warning(judged_target("      test: {window: 5}"), 9).empty());
}

TEST_CASE("judge.test.sequential is on by default, reaches the decide node only when on, and fixes the order of the "
          "samples",
          "[graph]") {
  Target fixed = judged_target("      test: {sequential: false}\n");
  CHECK_FALSE(judge_decide_fields(fixed).at("test").contains("sequential"));
  CHECK_FALSE(judge_decide_fields(fixed).at("test").contains("early_stop"));
  Target seq = judged_target("      test: {batch: 4}\n");
  CHECK(seq.judge->test.sequential);
  CHECK(judge_decide_fields(seq).at("test").at("sequential") == true);
  CHECK(judge_decide_fields(seq).at("test").at("batch") == 4);
  CHECK(judge_decide_fields(seq).at("test").at("early_stop") == "futility");
  Target betting = judged_target("      test: {sequential: true, early_stop: betting}\n");
  CHECK(judge_decide_fields(betting).at("test").at("early_stop") == "betting");

  std::vector<JudgeSample> samples;
  for (int i = 0; i < 20; ++i)
    samples.push_back({"samples/" + std::to_string(i) + ".txt", "text"});
  std::vector<JudgeSample> order = judging_order(samples);
  REQUIRE(order.size() == samples.size());
  std::vector<JudgeSample> reversed(samples.rbegin(), samples.rend());
  std::vector<JudgeSample> again = judging_order(reversed);
  bool same = true, sorted_by_name = true;
  for (size_t i = 0; i < order.size(); ++i) {
    same = same && again[i].name == order[i].name;
    sorted_by_name = sorted_by_name && order[i].name == samples[i].name;
  }
  // The same order whatever order the samples come in, and not the order of their names.
  CHECK(same);
  CHECK_FALSE(sorted_by_name);
}
