// `knowledge: {retrieval: embeddings, agent: NAME}`: similar experiments and pooled lessons
// ranked by the cosine of embeddings from an OpenAI-compatible POST /v1/embeddings (here
// anneal-fake-llm's fake-embed, hashed character trigrams, in its own process), each vector
// cached by text and model; TF-IDF when the endpoint fails.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api_agent_harness.h"
#include "fake_llm_process.h"
#include "util/file.h"

using namespace anneal::system_test;
using anneal::llm::Provider;
using anneal::llm::test::FakeLlmServer;

namespace {

/// The target of api_agent_harness.h (drop one filler word per experiment) with its chat
/// agent at `chat_url`, its lessons found by embeddings from `embed_url`; `knowledge` adds
/// fields to knowledge:.
void write_project(const TempRepo& repo, const std::string& chat_url, const std::string& embed_url,
                   const std::string& knowledge = "", int experiments = 3) {
  write_wordy_project(repo, api_agent("openai", chat_url),
                      fmt::format("    knowledge: {{retrieval: embeddings, domain: docs{}, agent: {{kind: api, provider: "
                                  "openai, model: fake-embed, base_url: \"{}\", retries: 1}}}}\n",
                                  knowledge, embed_url),
                      experiments);
}

/// Lessons in the user's learning pool, as other targets and projects left them.
void write_pool(const TempRepo& repo, const std::vector<std::vector<std::string>>& lessons) {
  std::string lines;
  for (const auto& l : lessons)
    lines += nlohmann::json{{"v", 1}, {"domain", l[0]}, {"source", l[1]}, {"text", l[2]}, {"time", "2026-12-01T00:00:00Z"}}
                 .dump() +
             "\n";
  repo.run("mkdir -p '" + (repo.scratch() / "config").string() + "'");
  REQUIRE(anneal::write_file_atomic(repo.scratch() / "config" / "learnings.jsonl", lines,
                                    anneal::Durability::Unsynced));
}

/// Shares trigrams with "filler word" but no word with the hypotheses: embeddings find it,
/// TF-IDF cannot.
const std::string k_near = "fillerwords removal made the text shorter";

void write_far_lessons(const TempRepo& repo, std::vector<std::vector<std::string>> first = {}) {
  first.push_back({"docs", "notes/readme", k_near});
  first.push_back({"sql", "shop/queries", "index the orders table by customer id"});
  first.push_back({"services", "shop/api", "batch the http requests to the payment api"});
  first.push_back({"frontend", "shop/web", "lower the jpeg quality of thumbnails"});
  write_pool(repo, first);
}

/// The "Lessons from other targets" section of a prompt ("" when it has none).
std::string lessons_of(const std::string& prompt) {
  size_t at = prompt.find("## Lessons from other targets");
  if (at == std::string::npos)
    return "";
  size_t end = prompt.find("\n## ", at + 5);
  return prompt.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

/// The first lesson's line of such a section.
std::string first_lesson(const std::string& lessons) {
  size_t at = lessons.find("\n- ");
  if (at == std::string::npos)
    return "";
  return lessons.substr(at + 1, lessons.find('\n', at + 1) - at - 1);
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("retrieval: embeddings asks the endpoint, and the prompt shows the nearest lesson", "[system][embeddings]") {
  TempRepo repo;
  FakeLlmServer chat(Provider::openai, k_test_key);
  chat.respond_with(drop_filler_reply);
  FakeLlmProcess embedder(repo.scratch());
  write_project(repo, chat.base_url(), embedder.base_url());
  write_far_lessons(repo);
  std::string env = "OPENAI_API_KEY=" + k_test_key;
  Outcome build = anneal_with(repo, env, "build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  CHECK_THAT(build.out + build.err, !Catch::Contains("embedding retrieval failed"));

  auto embeddings = embedder.embedding_requests();
  REQUIRE(!embeddings.empty());
  CHECK(embeddings[0]["model"] == "fake-embed");
  auto prompts = chat.received();
  REQUIRE(prompts.size() == 3);
  // #1 has nothing to compare with; from #2 on, the lesson that shares word pieces with the
  // hypotheses leads the lessons, though it shares no word with them (TF-IDF finds nothing).
  std::string lessons = lessons_of(user_prompt(prompts[1]));
  INFO(lessons);
  CHECK_THAT(first_lesson(lessons), Catch::Contains(k_near));
  CHECK(files_containing(repo, k_test_key).empty());

  SECTION("a replay or a second build sends no embedding request: the vectors are cached") {
    size_t sent = embeddings.size();
    repo.run("rm .anneal/targets/words/experiments.jsonl");
    Outcome replay = anneal_with(repo, env, "build");
    INFO(replay.out << replay.err);
    REQUIRE(replay.status == 0);
    CHECK(repo.history("words").size() == 4);
    CHECK(embedder.embedding_requests().size() == sent);

    Outcome again = anneal_with(repo, env, "build");
    REQUIRE(again.status == 0);
    CHECK(embedder.embedding_requests().size() == sent);
  }
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("an embeddings endpoint that dies mid-build: one warning, TF-IDF, the build completes", "[system][embeddings]") {
  TempRepo repo;
  FakeLlmServer chat(Provider::openai, k_test_key);
  chat.respond_with(drop_filler_reply);
  // The first request (#2's similar experiments) is answered; every later one gets a 503.
  FakeLlmProcess embedder(repo.scratch(), {"--embeddings-fail-after", "1"});
  write_project(repo, chat.base_url(), embedder.base_url(), "", 4);
  write_far_lessons(repo, {{"docs", "notes/style", "drop the filler line endings"}});
  Outcome build = anneal_with(repo, "OPENAI_API_KEY=" + k_test_key, "build");
  std::string said = build.out + build.err;
  INFO(said);
  REQUIRE(build.status == 0);
  CHECK(repo.history("words").size() == 5);
  CHECK(count_of(said, "embedding retrieval failed") == 1);
  CHECK_THAT(said, Catch::Contains("words: warning: embedding retrieval failed"));
  CHECK_THAT(said, Catch::Contains("HTTP 503"));
  CHECK(embedder.embedding_requests().size() == 2);  // one answered, one refused (retries: 1), then none
  // TF-IDF ranks from then on: it finds the lesson sharing words, not the one sharing pieces.
  std::string lessons = lessons_of(user_prompt(chat.received().back()));
  INFO(lessons);
  CHECK_THAT(lessons, Catch::Contains("drop the filler line endings"));
  CHECK_THAT(lessons, !Catch::Contains(k_near));
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a lesson from another domain ranks below an equally similar one of this domain, and the prompt names where each came from",
          "[system][embeddings]") {
  // The same text twice, the other domain's first in the file (it would win a tie).
  auto [knowledge, first, second] = GENERATE(table<std::string, std::string, std::string>({
      {"", "from target `pages` of project `site` (domain docs)",
       "from target `queries` of project `shop` (domain sql, not docs: weighted ×0.5)"},
      {", domain_penalty: 1", "from target `queries` of project `shop` (domain sql, not docs: weighted ×1)",
       "from target `pages` of project `site` (domain docs)"},
      {", cross_domain_penalty: 0.25", "from target `pages` of project `site` (domain docs)",
       "from target `queries` of project `shop` (domain sql, not docs: weighted ×0.25)"},
  }));
  TempRepo repo;
  FakeLlmServer chat(Provider::openai, k_test_key);
  chat.respond_with(drop_filler_reply);
  FakeLlmProcess embedder(repo.scratch());
  write_project(repo, chat.base_url(), embedder.base_url(), knowledge, 2);
  write_pool(repo, {{"sql", "shop/queries", k_near}, {"docs", "site/pages", k_near}});
  Outcome build = anneal_with(repo, "OPENAI_API_KEY=" + k_test_key, "build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  auto prompts = chat.received();
  REQUIRE(prompts.size() == 2);
  std::string lessons = lessons_of(user_prompt(prompts[1]));
  INFO(lessons);
  CHECK(first_lesson(lessons) == "- " + first + ": " + k_near);
  CHECK_THAT(lessons, Catch::Contains("\n- " + second + ": " + k_near + "\n"));
  CHECK(repo.fsck_problems().empty());
}
