// The judge end to end: the prompt-optimization example on anneal-fake-llm (a rule-based
// stand-in LLM in the OpenAI wire format, its own process on loopback), driven like a user.
#include <chrono>
#include <fstream>
#include <regex>
#include <set>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "fake_llm_process.h"
#include "harness.h"
#include "util/file.h"

using namespace anneal::system_test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// anneal-fake-llm on a free loopback port, stopped when the test ends.
using FakeLlm = FakeLlmProcess;

/// The example, copied into `repo`, pointed at the fake's port; extra Annealfile lines go
/// under the judge.
void copy_example(const TempRepo& repo, int port, const std::string& judge_extra = "") {
  fs::path example = fs::path(ANNEAL_SOURCE_DIR) / "examples" / "prompt-optimization";
  for (const auto& entry : fs::recursive_directory_iterator(example)) {
    if (!entry.is_regular_file())
      continue;
    std::string relative = entry.path().lexically_relative(example).generic_string();
    auto text = anneal::read_file(entry.path());
    REQUIRE(text);
    if (relative == "Annealfile") {
      *text = std::regex_replace(*text, std::regex("127\\.0\\.0\\.1:[0-9]+"), "127.0.0.1:" + std::to_string(port));
      if (!judge_extra.empty())
        *text = std::regex_replace(*text, std::regex("      votes: 3\n"), "      votes: 3\n" + judge_extra);
    }
    repo.write(relative, *text, relative.ends_with(".sh"));
  }
  repo.commit("the prompt-optimization example");
}

std::vector<json> judge_requests(const FakeLlm& fake) {
  std::vector<json> out;
  for (auto& r : fake.requests())
    if (r.value("model", "") == "fake-judge")
      out.push_back(r);
  return out;
}

/// The user message of a request.
std::string user_text(const json& request) {
  for (const auto& m : request.at("messages"))
    if (m.value("role", "") == "user")
      return m.value("content", "");
  return "";
}

}  // namespace

TEST_CASE("the prompt-optimization example improves its judged score and keeps only what the test accepts",
          "[system][judge]") {
  TempRepo repo;
  FakeLlm fake(repo.scratch());
  copy_example(repo, fake.port());
  auto built = repo.anneal("build");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);

  json history = repo.history("support-prompt");
  REQUIRE(history.size() >= 2);
  CHECK(history[0].at("outcome") == "baseline");
  double baseline = history[0].at("score").get<double>();
  int kept = 0;
  for (const auto& r : history) {
    if (r.at("id") == 0)
      continue;
    const json& judged = r.at("judge");
    if (r.at("outcome") == "kept" || r.at("outcome") == "discarded") {
      // Every decision records its test, p-value and threshold.
      const json& test = judged.at("test");
      CHECK((test.at("name") == "wilcoxon" || test.at("name") == "cohen-d"));
      if (test.at("name") == "wilcoxon") {
        CHECK(test.at("p").is_number());
        CHECK(test.at("level").is_number());
        if (r.at("outcome") == "kept")
          CHECK(test.at("p").get<double>() <= test.at("level").get<double>());
      }
      CHECK(judged.at("interval").size() == 2);
      CHECK(judged.at("criteria").size() == 4);
    }
    kept += r.at("outcome") == "kept";
  }
  CHECK(kept >= 1);
  json status = json::parse(repo.anneal("status --json").out);
  CHECK(status[0].at("best_score").get<double>() > baseline);
  // The baseline was judged on the held-out samples too.
  CHECK(history[0].at("held_out").at("score").is_number());

  // Nothing changed: no agent, no judge, no request.
  size_t asked = fake.requests().size();
  auto again = repo.anneal("build");
  CHECK(again.status == 0);
  CHECK_THAT(again.out + again.err, Catch::Contains("no work to do"));
  CHECK(fake.requests().size() == asked);
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("half of a judge's votes list the criteria in reverse, and each vote is asked once", "[system][judge]") {
  TempRepo repo;
  FakeLlm fake(repo.scratch());
  copy_example(repo, fake.port());
  REQUIRE(repo.anneal("build --experiments 1").status == 0);
  std::vector<json> judged = judge_requests(fake);
  REQUIRE(!judged.empty());
  const std::string first = "Does the answer use at most three bullet points?";
  const std::string last = "Does the answer end with a line naming its source?";
  int forward = 0, reversed = 0;
  std::set<std::string> prompts;
  for (const auto& r : judged) {
    std::string text = user_text(r);
    // Whichever criterion is numbered 1 in this prompt.
    size_t one = text.find("1. ", text.find("## Criteria"));
    REQUIRE(one != std::string::npos);
    std::string numbered_first = text.substr(one + 3, text.find('\n', one) - one - 3);
    forward += numbered_first == first;
    reversed += numbered_first == last;
    prompts.insert(text + "#" + r.at("seed").dump());
  }
  // votes: 3 → votes 0 and 2 forward, vote 1 reversed.
  CHECK(forward + reversed == static_cast<int>(judged.size()));
  CHECK(reversed * 2 == forward);
  // The same content, sample, criteria, model and vote are never asked twice.
  CHECK(prompts.size() == judged.size());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a judge that needs a key is checked before anything runs, naming the variable", "[system][judge]") {
  TempRepo repo;
  FakeLlm fake(repo.scratch());
  copy_example(repo, fake.port());
  std::string annealfile = repo.read("Annealfile");
  annealfile = std::regex_replace(
      annealfile, std::regex("critic: \\{kind: api, provider: openai, model: fake-judge, base_url: \"[^\"]*\"\\}"),
      "critic: {kind: api, provider: anthropic, model: claude-haiku-4-5, api_key_env: ANNEAL_TEST_JUDGE_KEY}");
  repo.write("Annealfile", annealfile);
  repo.commit("a hosted judge");
  auto built = repo.anneal("build");
  CHECK(built.status != 0);
  CHECK_THAT(built.err, Catch::Contains("judge agent 'critic'"));
  CHECK_THAT(built.err, Catch::Contains("ANNEAL_TEST_JUDGE_KEY"));
  CHECK(fake.requests().empty());
}

TEST_CASE("an agent that improves only the samples the judge sees pauses the target at the held-out check",
          "[system][judge]") {
  TempRepo repo;
  FakeLlm fake(repo.scratch());
  std::string samples;
  for (int i = 1; i <= 10; ++i)
    samples += "        - \"Question " + std::to_string(i) + " about my server backups\"\n";
  // The generator follows style.txt, except on held-out questions: the candidate games the
  // samples it is judged on.
  repo.write("Annealfile", R"(annealfile: 1
agents:
  critic: {kind: api, provider: openai, model: fake-judge, base_url: "http://127.0.0.1:)" +
                               std::to_string(fake.port()) + R"(/v1"}
targets:
  answers:
    artifact: [style.txt]
    agent: {kind: command, run: "echo 'Use bullet points.' >> style.txt && echo 'bullets' > \"$ANNEAL_HYPOTHESIS_FILE\""}
    judge:
      agent: critic
      samples:
)" + samples + R"(      held_out: ["HELDOUT: why was I billed twice?", "HELDOUT: how do I close my account?"]
      held_out_every: 1
      criteria: [{name: bullets, question: "Does the answer use at most three bullet points?"}]
      votes: 1
      generate: "if grep -q HELDOUT \"$ANNEAL_SAMPLE\" || ! grep -q bullet style.txt; then echo 'A long answer without any list at all.'; else printf -- '- one\n- two\n'; fi"
      test: {window: 1}
    objective: {metric: judge, direction: maximize}
    budget: {experiments: 3}
)");
  repo.write("style.txt", "Be helpful.\n");
  repo.commit("a gamed judge");
  auto built = repo.anneal("build");
  INFO(built.out << built.err);
  CHECK(built.status == 0);
  CHECK_THAT(built.out + built.err, Catch::Contains("paused after #1"));
  CHECK_THAT(built.out + built.err, Catch::Contains("may be fitting the judge"));
  json history = repo.history("answers");
  REQUIRE(history.size() == 2);  // the baseline and the kept candidate; then the pause
  CHECK(history[1].at("outcome") == "kept");
  const json& check = history[1].at("held_out");
  CHECK(check.at("paused") == true);
  CHECK(check.at("divergence").get<double>() > 0.25);
  CHECK(check.at("samples_score").get<double>() > check.at("score").get<double>());
  CHECK_THAT(repo.anneal("status").out, Catch::Contains("PAUSED"));
  CHECK(repo.fsck_problems().empty());
}

namespace {

/// A target judged sequentially on 30 inline samples, one criterion, one vote: the generator
/// answers with bullet points when style.txt asks for them. `agent` edits style.txt;
/// `early_stop` is judge.test.early_stop (empty: the default), `generate` the generator.
void sequential_target(const TempRepo& repo, int port, const std::string& style, const std::string& agent,
                       int experiments, const std::string& early_stop = "betting",
                       const std::string& generate = "if grep -q bullet style.txt; then printf -- '- one\\n- two\\n'; "
                                                     "else echo 'A long answer without any list at all.'; fi") {
  std::string samples;
  for (int i = 1; i <= 30; ++i)
    samples += "        - \"Question " + std::to_string(i) + " about my invoices\"\n";
  repo.write("Annealfile", R"(annealfile: 1
agents:
  critic: {kind: api, provider: openai, model: fake-judge, base_url: "http://127.0.0.1:)" +
                               std::to_string(port) + R"(/v1"}
targets:
  answers:
    artifact: [style.txt]
    agent: {kind: command, run: ")" + agent + R"( && echo edited > \"$ANNEAL_HYPOTHESIS_FILE\""}
    judge:
      agent: critic
      samples:
)" + samples + R"(      criteria: [{name: bullets, question: "Does the answer use at most three bullet points?"}]
      votes: 1
      generate: ")" + generate + R"("
      test: {window: 1, sequential: true, batch: 6)" + (early_stop.empty() ? "" : ", early_stop: " + early_stop) + R"(}
    objective: {metric: judge, direction: maximize}
    search: {strategy: greedy}
    budget: {experiments: )" + std::to_string(experiments) + R"(}
)");
  repo.write("style.txt", style);
  repo.commit("a sequentially judged target");
}

}  // namespace

TEST_CASE("a sequential judge stops judging a worse candidate after the batch that shows it", "[system][judge]") {
  TempRepo repo;
  FakeLlm fake(repo.scratch());
  sequential_target(repo, fake.port(), "Use bullet points.\n", "echo 'Write prose.' > style.txt", 1);
  auto built = repo.anneal("build");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);
  json history = repo.history("answers");
  REQUIRE(history.size() == 2);
  CHECK(history[1].at("outcome") == "discarded");
  const json& test = history[1].at("judge").at("test");
  CHECK(test.at("name") == "betting");
  CHECK(test.at("sequential").at("stop") == "worse");
  CHECK(test.at("sequential").at("of") == 30);
  // The fake judge flips some answers, but nearly every sample scores worse: the e-process
  // against it passes 1/0.05 within the first batches of 6, long before the 30th sample.
  int judged = test.at("sequential").at("judged").get<int>();
  CHECK(judged < 30);
  CHECK(judged % 6 == 0);
  // The baseline's 30 samples and the candidate's batches: nothing more was asked.
  CHECK(judge_requests(fake).size() == static_cast<size_t>(30 + judged));
  auto shown = repo.anneal("show " + history[1].at("key").get<std::string>());
  CHECK_THAT(shown.out, Catch::Contains(fmt::format("sequential: {} of 30 samples judged, stopped: worse", judged)));
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a sequential judge keeps a clearly better candidate early and judges the incumbent later where needed",
          "[system][judge]") {
  TempRepo repo;
  FakeLlm fake(repo.scratch());
  sequential_target(repo, fake.port(), "Write prose.\n", "echo 'Use bullet points.' >> style.txt", 2);
  auto first = repo.anneal("build --experiments 1");
  INFO(first.out << first.err);
  REQUIRE(first.status == 0);
  json history = repo.history("answers");
  REQUIRE(history.size() == 2);
  CHECK(history[1].at("outcome") == "kept");
  const json& test = history[1].at("judge").at("test");
  CHECK(test.at("sequential").at("stop") == "better");
  int judged = test.at("sequential").at("judged").get<int>();
  CHECK(judged < 30);
  CHECK(test.at("p").get<double>() <= test.at("level").get<double>());
  CHECK(judge_requests(fake).size() == static_cast<size_t>(30 + judged));
  CHECK_THAT(repo.anneal("show " + history[1].at("key").get<std::string>()).out,
             Catch::Contains(fmt::format("sequential: {} of 30 samples judged, stopped: better", judged)));

  // The next candidate answers as the incumbent does: every difference is 0, so it is judged
  // until even +1 on every sample left could not reach 1/0.05 (six left: 24 judged), and the
  // incumbent is judged on the samples it lacks among those. The judge's calls are keyed by
  // what they judge, so those are the candidate's own questions: asked once.
  auto second = repo.anneal("build");
  INFO(second.out << second.err);
  REQUIRE(second.status == 0);
  history = repo.history("answers");
  REQUIRE(history.size() == 3);
  CHECK(history[2].at("outcome") == "discarded");
  const json& next = history[2].at("judge").at("test").at("sequential");
  CHECK(next.at("stop") == "unreachable");
  CHECK(next.at("judged") == 24);
  CHECK(judge_requests(fake).size() == 30 + 24);
  std::string ledger = repo.read(".anneal/targets/answers/experiments.jsonl");
  json last = json::parse(ledger.substr(ledger.rfind('\n', ledger.size() - 2) + 1));
  CHECK(last.at("state").at("incumbent_samples").size() == 24);
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("the futility test keeps a clearly better candidate on every sample and stops a clearly worse one early",
          "[system][judge]") {
  // The default early_stop: the fixed-n Wilcoxon test decides on all 30 samples, and only a
  // candidate that cannot win is stopped early. The answer is style.txt: the baseline's is
  // prose (no bullet points: NO), the first candidate's two bullet points (YES: better), the
  // second's five (NO again: worse, and a text the judge has not seen).
  TempRepo repo;
  FakeLlm fake(repo.scratch());
  sequential_target(repo, fake.port(), "Plain prose.\n",
                    "if grep -q one style.txt; then printf -- '- a\\n- b\\n- c\\n- d\\n- e\\n' > style.txt; "
                    "else printf -- '- one\\n- two\\n' > style.txt; fi",
                    2, "", "cat style.txt");
  auto built = repo.anneal("build");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);
  json history = repo.history("answers");
  REQUIRE(history.size() == 3);

  CHECK(history[1].at("outcome") == "kept");
  const json& better = history[1].at("judge").at("test");
  CHECK(better.at("name") == "wilcoxon");
  CHECK(better.at("sequential").at("early_stop") == "futility");
  CHECK(better.at("sequential").at("stop") == "better");
  CHECK(better.at("sequential").at("judged") == 30);
  CHECK(better.at("p").get<double>() <= better.at("level").get<double>());

  CHECK(history[2].at("outcome") == "discarded");
  const json& worse = history[2].at("judge").at("test");
  CHECK(worse.at("sequential").at("stop") == "worse");
  CHECK(worse.at("predictive_power").get<double>() < 0.01);
  // Seven samples in ten score worse (the fake judge flips 10% and leans to YES): the first
  // batch or two show it, long before the 30th sample.
  int judged = worse.at("sequential").at("judged").get<int>();
  CHECK(judged <= 12);
  CHECK(judged % 6 == 0);
  // The baseline's 30, the kept candidate's 30 and the worse one's first batch: nothing more.
  CHECK(judge_requests(fake).size() == static_cast<size_t>(30 + 30 + judged));
  auto shown = repo.anneal("show " + history[2].at("key").get<std::string>());
  CHECK_THAT(shown.out, Catch::Contains(fmt::format("sequential: {} of 30 samples judged, stopped: worse (predictive power",
                                                    judged)));
  CHECK(repo.fsck_problems().empty());
}
