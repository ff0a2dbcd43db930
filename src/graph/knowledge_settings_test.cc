// `knowledge:` settings: retrieval, its agent and the domain penalty, read and checked.
#include <string>

#include <catch2/catch.hpp>

#include "graph/annealfile.h"

using namespace anneal::graph;
using Catch::Matchers::Contains;

namespace {

std::string with_knowledge(const std::string& knowledge, const std::string& agents = "") {
  return R"yaml(annealfile: 1
agents:
  coder: {kind: command, run: ./agent.sh}
  embedder: {kind: api, provider: openai, model: nomic-embed-text, base_url: "http://localhost:11434/v1"}
  claude: {kind: api, provider: anthropic, model: claude-sonnet-4-5}
)yaml" + agents +
         R"yaml(targets:
  api:
    artifact: handler.py
    agent: coder
    stages:
      - {name: latency, run: ./bench.sh}
    objective: {metric: latency, direction: minimize}
    knowledge: )yaml" +
         knowledge + "\n";
}

std::string error_of(const std::string& text) {
  auto parsed = parse_annealfile(text, "Annealfile");
  REQUIRE_FALSE(parsed);
  return parsed.error().message;
}

}  // namespace

TEST_CASE("knowledge.retrieval: embeddings names an OpenAI-compatible agent", "[annealfile][embeddings]") {
  auto parsed = parse_annealfile(with_knowledge("{retrieval: embeddings, agent: embedder}"), "Annealfile");
  REQUIRE(parsed);
  const KnowledgeSettings& k = parsed->targets.at(0).knowledge;
  CHECK(k.embeddings);
  REQUIRE(k.agent);
  CHECK(k.agent->name == "embedder");
  CHECK(k.agent->api.model == "nomic-embed-text");
  CHECK(k.agent->api.base_url == "http://localhost:11434/v1");

  auto inline_agent = parse_annealfile(
      with_knowledge("{retrieval: embeddings, agent: {kind: api, provider: openai, model: text-embedding-3-small}}"),
      "Annealfile");
  REQUIRE(inline_agent);
  CHECK(inline_agent->targets.at(0).knowledge.agent->api.model == "text-embedding-3-small");

  auto tfidf = parse_annealfile(with_knowledge("{retrieval: tfidf}"), "Annealfile");
  REQUIRE(tfidf);
  CHECK_FALSE(tfidf->targets.at(0).knowledge.embeddings);
}

TEST_CASE("knowledge settings that cannot work are errors at their line and column", "[annealfile][embeddings]") {
  CHECK(error_of(with_knowledge("{retrieval: embeddings, agent: embeder}")) ==
        "Annealfile:13:47: error: unknown agent 'embeder' (known: claude, coder, embedder)");
  CHECK_THAT(error_of(with_knowledge("{retrieval: vectors, agent: embedder}")), Contains("Annealfile:13:28: error:"));
  CHECK_THAT(error_of(with_knowledge("{retrieval: vectors, agent: embedder}")), Contains("tfidf"));
  CHECK(error_of(with_knowledge("{retrieval: embeddings}")) ==
        "Annealfile:13:28: error: retrieval: embeddings in target 'api' needs `agent:` in knowledge: the api agent "
        "whose OpenAI-compatible endpoint embeds (e.g. agent: embedder)");
  CHECK(error_of(with_knowledge("{agent: embedder}")) ==
        "Annealfile:13:24: error: knowledge.agent of target 'api' is used only with retrieval: embeddings");
  CHECK(error_of(with_knowledge("{retrieval: embeddings, agent: coder}")) ==
        "Annealfile:13:47: error: the embedding retrieval of target 'api' needs an api agent; 'coder' is a command "
        "agent");
  CHECK_THAT(error_of(with_knowledge("{retrieval: embeddings, agent: claude}")),
             Contains("Annealfile:13:47: error: agent 'claude' is an anthropic agent, and Anthropic serves no embeddings"));
}

TEST_CASE("domain_penalty, and cross_domain_penalty as its first name", "[annealfile][embeddings]") {
  auto penalty = [](const std::string& knowledge) {
    auto parsed = parse_annealfile(with_knowledge(knowledge), "Annealfile");
    REQUIRE(parsed);
    return parsed->targets.at(0).knowledge.domain_penalty;
  };
  CHECK(penalty("{domain: docs}") == 0.5);
  CHECK(penalty("{domain_penalty: 0.25}") == 0.25);
  CHECK(penalty("{cross_domain_penalty: 0.75}") == 0.75);
  CHECK(error_of(with_knowledge("{domain_penalty: 0.25, cross_domain_penalty: 0.75}")) ==
        "Annealfile:13:39: error: set domain_penalty or its old name cross_domain_penalty, not both");
  CHECK_THAT(error_of(with_knowledge("{domain_penalty: 2}")), Contains("Annealfile:13:33: error:"));
  // The two spellings are one setting: the target's config digest does not tell them apart.
  auto a = parse_annealfile(with_knowledge("{domain_penalty: 0.25}"), "Annealfile");
  auto b = parse_annealfile(with_knowledge("{cross_domain_penalty: 0.25}"), "Annealfile");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->targets.at(0).config == b->targets.at(0).config);
}
