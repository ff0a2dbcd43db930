#include "graph/agent_prompt.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace anneal::graph;

namespace {

Target target() {
  auto file = parse_annealfile(R"(annealfile: 1
targets:
  doc:
    artifact: [doc.md]
    scope: {immutable: [tests/**]}
    agent: {kind: api, provider: openai, model: gpt-test}
    verify: [{name: lint, run: ./lint.sh}]
    stages: [{name: words, run: "wc -w < doc.md"}]
    objective: {metric: words, direction: minimize, min_improvement: 2}
)",
                               "Annealfile");
  if (!file)
    FAIL(file.error().message);
  return file->targets.front();
}

PromptInput input_with_history(int records) {
  PromptInput input;
  input.experiment = records + 1;
  input.position.baseline_score = 120;
  input.position.incumbent_score = 100;
  input.position.best_score = 100;
  input.files = {{"doc.md", "# Title\n\nSome words here.\n"}};
  for (int id = 1; id <= records; ++id)
    input.recent.push_back({{"id", id},
                            {"outcome", id % 2 ? "kept" : "crashed"},
                            {"score", id % 2 ? nlohmann::json(100 - id) : nlohmann::json(nullptr)},
                            {"hypothesis", fmt::format("hypothesis number {}", id)},
                            {"detail", id % 2 ? "" : "edit blocks did not apply:\nedit 1 (doc.md): not found"}});
  input.similar = {"- #3 discarded: similar idea A", "- #4 discarded: similar idea B"};
  input.pooled = {"- (other/t, prose) shorter headings help"};
  input.learnings = "- cutting adjectives works";
  return input;
}

}  // namespace

TEST_CASE("an api prompt shows objective, scores, files, history and the reasons drafts failed", "[graph]") {
  auto prompt = api_prompt(target(), input_with_history(4), 100000);
  REQUIRE(prompt);
  CHECK_THAT(*prompt, Catch::Contains("Objective: minimize `words` (by more than 2)"));
  CHECK_THAT(*prompt, Catch::Contains("Baseline score: 120. Current score: 100. Best score: 100."));
  CHECK_THAT(*prompt, Catch::Contains("Immutable: tests/**"));
  CHECK_THAT(*prompt, Catch::Contains("lint (`./lint.sh`)"));
  CHECK_THAT(*prompt, Catch::Contains("\ndoc.md\n```\n# Title\n\nSome words here.\n```\n"));
  CHECK_THAT(*prompt, Catch::Contains("- #2 crashed: score none; hypothesis: hypothesis number 2"));
  CHECK_THAT(*prompt, Catch::Contains("why: edit blocks did not apply:\n    edit 1 (doc.md): not found"));
  CHECK_THAT(*prompt, Catch::Contains("## How recent experiments failed\n\n- 2 of the last 4 failed edit_failed ("));
  CHECK_THAT(*prompt, Catch::Contains("similar idea B"));
  CHECK_THAT(*prompt, Catch::Contains("shorter headings help"));
  CHECK_THAT(*prompt, Catch::Contains("cutting adjectives works"));
}

TEST_CASE("a file holding backticks gets a longer fence", "[graph]") {
  PromptInput input;
  input.files = {{"doc.md", "```sh\nmake\n```\n"}};
  auto prompt = api_prompt(target(), input, 100000);
  REQUIRE(prompt);
  CHECK_THAT(*prompt, Catch::Contains("\ndoc.md\n````\n```sh\nmake\n```\n````\n"));
}

TEST_CASE("a prompt over max_context_tokens drops the oldest history first", "[graph]") {
  PromptInput input = input_with_history(40);
  auto full = api_prompt(target(), input, 1000000);
  REQUIRE(full);
  size_t full_tokens = estimate_tokens(*full) + estimate_tokens(k_edit_reply_contract);

  // A little short: the similar attempts go first, then other targets' lessons.
  auto tight = api_prompt(target(), input, full_tokens - 10);
  REQUIRE(tight);
  CHECK(estimate_tokens(*tight) + estimate_tokens(k_edit_reply_contract) <= full_tokens - 10);
  CHECK_THAT(*tight, !Catch::Contains("similar idea B"));
  CHECK_THAT(*tight, Catch::Contains("hypothesis number 40"));
  CHECK_THAT(*tight, Catch::Contains("cutting adjectives works"));

  // Much shorter: the oldest recent experiments go, the newest and the learnings stay.
  auto tighter = api_prompt(target(), input, full_tokens - 300);
  REQUIRE(tighter);
  CHECK(estimate_tokens(*tighter) + estimate_tokens(k_edit_reply_contract) <= full_tokens - 300);
  CHECK_THAT(*tighter, !Catch::Contains("shorter headings help"));
  CHECK_THAT(*tighter, !Catch::Contains("hypothesis number 1\n"));
  CHECK_THAT(*tighter, Catch::Contains("hypothesis number 40"));
  CHECK_THAT(*tighter, Catch::Contains("cutting adjectives works"));
  CHECK_THAT(*tighter, Catch::Contains("Some words here."));
}

TEST_CASE("files that alone exceed max_context_tokens are an error saying by how much", "[graph]") {
  PromptInput input;
  input.files = {{"doc.md", std::string(40000, 'x')}};
  auto prompt = api_prompt(target(), input, 5000);
  REQUIRE_FALSE(prompt);
  CHECK_THAT(prompt.error().message, Catch::Contains("the prompt of target 'doc' needs about"));
  CHECK_THAT(prompt.error().message, Catch::Contains("more than the agent's max_context_tokens (5000)"));
}

TEST_CASE("a command agent's prompt points at the hypothesis file and shows no files", "[graph]") {
  PromptInput input = input_with_history(2);
  std::string prompt = agent_prompt(target(), input);
  CHECK_THAT(prompt, Catch::Contains("$ANNEAL_HYPOTHESIS_FILE"));
  CHECK_THAT(prompt, !Catch::Contains("Some words here."));
  CHECK_THAT(prompt, Catch::Contains("hypothesis number 2"));
  input.restart = true;
  CHECK_THAT(agent_prompt(target(), input), Catch::Contains("starts again from the baseline"));
}

TEST_CASE("a crossover prompt shows both parents' hypotheses and changes and says where the files come from",
          "[graph]") {
  PromptInput input = input_with_history(1);
  input.position.incumbent = "aaaaaaaaaaaaaaaaaaaa";
  input.parent = "bbbbbbbbbbbbbbbbbbbb";
  auto single = api_prompt(target(), input, 100000);
  REQUIRE(single);
  CHECK_THAT(*single, Catch::Contains("## Files (at the candidate this draft starts from)"));
  CHECK_THAT(*single, !Catch::Contains("Combine two"));

  input.crossover = {{"bbbbbbbbbbbbbbbbbbbb", "shorter intro", "-old intro\n+new intro\n"},
                     {"cccccccccccccccccccc", "merged two lists", "-list a\n-list b\n+list ab\n"}};
  auto crossed = api_prompt(target(), input, 100000);
  REQUIRE(crossed);
  CHECK_THAT(*crossed, Catch::Contains("Combine two earlier candidates"));
  CHECK_THAT(*crossed, Catch::Contains("Candidate 1 (bbbbbbbbbb): shorter intro"));
  CHECK_THAT(*crossed, Catch::Contains("Candidate 2 (cccccccccc): merged two lists"));
  CHECK_THAT(*crossed, Catch::Contains("+list ab"));
  CHECK_THAT(*crossed, Catch::Contains("## Files (at the first candidate)"));
  CHECK_THAT(agent_prompt(target(), input), Catch::Contains("merged two lists"));
}

TEST_CASE("a judged target's prompt gives each criterion's pass rate and the samples that still fail", "[graph]") {
  auto file = parse_annealfile(R"(annealfile: 1
targets:
  reply:
    artifact: [prompt.md]
    agent: {kind: api, provider: openai, model: gpt-test}
    judge:
      agent: {kind: api, provider: openai, model: judge-test}
      samples: ["How do I reset my password?", "Why was I billed twice?"]
      criteria: ["Is it short?", {name: polite, question: "Is it polite?"}]
      generate: {agent: {kind: api, provider: openai, model: writer-test}}
    objective: {metric: judge, direction: maximize}
)",
                               "Annealfile");
  REQUIRE(file);
  PromptInput input;
  input.experiment = 3;
  input.position.incumbent_samples = {{"inline-1", {1.0, 0.0}}, {"inline-2", {1.0, 1.0}}};
  std::string prompt = agent_prompt(file->targets.front(), input);
  CHECK_THAT(prompt, Catch::Contains("about the output produced from the artifact for each of 2 sample inputs"));
  CHECK_THAT(prompt, Catch::Contains("1. Is it short? — passed on 100% of the samples"));
  CHECK_THAT(prompt, Catch::Contains("2. Is it polite? — passed on 50% of the samples"));
  CHECK_THAT(prompt, Catch::Contains("- inline-1: fails 2\n"));
  CHECK_THAT(prompt, !Catch::Contains("inline-2: fails"));
}
