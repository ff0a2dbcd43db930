#include "nodes/judge_node.h"

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "git/test_repo.h"
#include "llm/fake_llm_server.h"
#include "nodes/judge_prompt.h"
#include "scoped_env.h"
#include "temp_dir.h"

using namespace anneal;
using namespace anneal::nodes;
using llm::test::FakeLlmServer;
using llm::test::Received;
using nlohmann::json;
using Approx = Catch::Detail::Approx;

namespace {

const std::vector<std::string> k_criteria = {"Is the answer short?", "Does it use bullet points?",
                                             "Does it apologise?"};
const std::string k_sample = "How do I reset my password?";

/// The user prompt of an OpenAI request.
std::string prompt_of(const Received& r) {
  return r.body.at("messages").back().at("content").get<std::string>();
}

std::string system_of(const Received& r) {
  for (const auto& m : r.body.at("messages"))
    if (m.at("role") == "system")
      return m.at("content").get<std::string>();
  return "";
}

/// The criteria a judge prompt shows, in the order shown.
std::vector<std::string> criteria_shown(const std::string& prompt) {
  std::vector<std::string> shown;
  size_t at = prompt.find("## Criteria\n\n");
  REQUIRE(at != std::string::npos);
  at += 13;
  while (at < prompt.size() && prompt[at] != '\n') {
    size_t end = prompt.find('\n', at);
    std::string line = prompt.substr(at, end - at);
    shown.push_back(line.substr(line.find(". ") + 2));
    at = end + 1;
  }
  return shown;
}

/// Answers every criterion shown: YES when `yes(question)`, numbered as shown.
std::string answer_shown(const Received& r, const std::function<bool(const std::string&)>& yes) {
  std::string reply = "Here is my assessment.\n";
  auto shown = criteria_shown(prompt_of(r));
  for (size_t i = 0; i < shown.size(); ++i)
    reply += fmt::format("**{}: {}**\n", i + 1, yes(shown[i]) ? "Yes" : "No");
  return reply;
}

/// YES only to the first criterion: a judge that swapped numbers would be caught.
bool short_only(const std::string& question) {
  return question == k_criteria[0];
}

/// A repository with the artifact committed, a cache, and a loopback judge.
class Fixture {
 public:
  Fixture() : m_store(m_anneal.path() / "cache"), m_server(llm::Provider::openai, "") {
    m_git.write("prompt.md", "You are a support agent. Be brief.\n");
    m_git.write("README", "notes\n");
    m_commit = m_git.commit("baseline");
    m_context.store = &m_store;
    m_context.anneal_dir = m_anneal.path();
    m_context.repo = [this]() -> Result<git::Repository*> {
      if (!m_repo) {
        auto opened = git::Repository::open(m_git.path());
        if (!opened)
          return std::unexpected(opened.error());
        m_repo.emplace(std::move(*opened));
      }
      return &*m_repo;
    };
    m_context.save_spec = [this](const NodeSpec& spec) -> Result<void> {
      saved.push_back(spec.json);
      return {};
    };
  }

  json llm(const std::string& model) const {
    return {{"kind", "llm"},
            {"target", "support-prompt"},
            {"provider", "openai"},
            {"model", model},
            {"base_url", m_server.base_url()},
            {"api_key_env", "ANNEAL_TEST_JUDGE_KEY"},
            {"temperature", nullptr},
            {"max_tokens", 256},
            {"timeout", 20},
            {"retries", 1},
            {"pricing", {{"input", 1.0}, {"output", 1.0}}}};
  }

  /// A judge spec for the current commit with `votes` votes.
  json spec(int votes, const std::string& method = "majority") const {
    return {{"kind", "judge"},
            {"target", "support-prompt"},
            {"candidate", {{"commit", m_commit}}},
            {"after", json::array()},
            {"artifact", {"prompt.md"}},
            {"set", "samples"},
            {"sample", {{"name", "reset"}, {"text", k_sample}}},
            {"criteria", k_criteria},
            {"votes", votes},
            {"method", method},
            {"judge", llm("fake-judge")},
            {"generate", nullptr}};
  }

  NodeResult judge(const json& j) {
    auto result = execute_node(m_context, make_spec(j));
    if (!result)
      FAIL(result.error().message);
    return *result;
  }

  /// Commits a change and makes it the candidate.
  void change(const std::string& path, const std::string& text) {
    m_git.write(path, text);
    m_commit = m_git.commit("change " + path);
  }

  std::string blob(const NodeResult& result, const std::string& name) {
    auto it = result.blobs.find(name);
    REQUIRE(it != result.blobs.end());
    auto bytes = m_store.get_blob(*cache::Digest::from_hex(it->second));
    REQUIRE(bytes);
    return *bytes;
  }

  std::string put(const NodeResult& result) {
    auto key = make_spec({{"kind", "test"}, {"n", ++m_puts}}).key;
    REQUIRE(m_store.put_action(key, result.serialize()));
    return key.hex();
  }

  FakeLlmServer& server() { return m_server; }
  NodeContext& context() { return m_context; }
  std::vector<json> saved;

 private:
  git::testing::TempRepo m_git;
  testing::TempDir m_anneal;
  cache::LocalStore m_store;
  FakeLlmServer m_server;
  std::optional<git::Repository> m_repo;
  NodeContext m_context;
  std::string m_commit;
  int m_puts = 0;
};

json criterion(int yes, int no, int missing) {
  return {{"yes", yes}, {"no", no}, {"missing", missing}};
}

/// The yes/no/missing counts of a judgement, per criterion.
json counts(const NodeResult& result) {
  json list = json::array();
  for (const auto& c : result.judgement.at("criteria"))
    list.push_back(criterion(c.at("yes"), c.at("no"), c.at("missing")));
  return list;
}

}  // namespace

TEST_CASE("judge votes alternate the criteria's order and map answers back", "[nodes]") {
  Fixture f;
  f.server().respond_with([](const Received& r) { return answer_shown(r, short_only); });
  NodeResult result = f.judge(f.spec(4));
  INFO(result.detail);
  REQUIRE(result.ok());

  auto received = f.server().received();
  REQUIRE(received.size() == 4);
  auto reversed = std::vector<std::string>(k_criteria.rbegin(), k_criteria.rend());
  for (size_t v = 0; v < received.size(); ++v) {
    INFO("vote " << v);
    CHECK(criteria_shown(prompt_of(received[v])) == (v % 2 == 0 ? k_criteria : reversed));
    CHECK(prompt_of(received[v]).find("You are a support agent. Be brief.") != std::string::npos);
    CHECK(prompt_of(received[v]).find(k_sample) != std::string::npos);
    CHECK(system_of(received[v]) == k_judge_contract);
  }
  CHECK(received[0].body.at("seed") != received[1].body.at("seed"));

  CHECK(counts(result) == json{criterion(4, 0, 0), criterion(0, 4, 0), criterion(0, 4, 0)});
  CHECK(result.score == Approx(1.0 / 3));
  const json& j = result.judgement;
  CHECK(j.at("set") == "samples");
  CHECK(j.at("sample") == "reset");
  CHECK(j.at("content") == cache::digest_of("You are a support agent. Be brief.\n").hex());
  CHECK(j.at("criteria")[0].at("rate") == 1.0);
  CHECK(j.at("criteria")[0].at("passed") == 1.0);
  CHECK(j.at("votes") == 4);
  CHECK(j.at("votes_saved") == 0);
  CHECK(j.at("calls") == 4);
  CHECK(result.cost_usd == Approx(4 * 10e-6));  // 7 + 3 tokens at $1/Mtok per call

  SECTION("every call's spec is saved and its reply is in the transcript") {
    REQUIRE(f.saved.size() == 4);
    CHECK(f.saved[1].at("purpose") == "judge");
    CHECK(f.saved[1].at("vote") == 1);
    CHECK_FALSE(f.saved[1].contains("candidate"));
    json transcript = json::parse(f.blob(result, "transcript"));
    REQUIRE(transcript.size() == 4);
    CHECK(transcript[1].at("order") == json{2, 1, 0});
    CHECK(transcript[1].at("answers") == json{"YES", "NO", "NO"});
    CHECK(transcript[1].at("reply").get<std::string>().find("**3: Yes**") != std::string::npos);
    CHECK(result.blobs.count("output") == 0);
  }
}

TEST_CASE("judge calls are cached by content, not by candidate", "[nodes]") {
  Fixture f;
  f.server().respond_with([](const Received& r) { return answer_shown(r, short_only); });
  NodeResult first = f.judge(f.spec(3));
  REQUIRE(first.ok());
  REQUIRE(f.server().received().size() == 3);

  SECTION("another commit with the same artifact sends nothing") {
    f.change("README", "other notes\n");
    NodeResult again = f.judge(f.spec(3));
    REQUIRE(again.ok());
    CHECK(f.server().received().size() == 3);
    CHECK(again.judgement.at("calls") == 0);
    CHECK(again.cost_usd == 0);
    CHECK(again.score == first.score);
    CHECK(again.judgement.at("content") == first.judgement.at("content"));
  }
  SECTION("a changed artifact is judged anew") {
    f.change("prompt.md", "You are a support agent. Use bullet points.\n");
    NodeResult changed = f.judge(f.spec(3));
    REQUIRE(changed.ok());
    CHECK(f.server().received().size() == 6);
    CHECK(prompt_of(f.server().received()[3]).find("Use bullet points.") != std::string::npos);
    CHECK(changed.judgement.at("calls") == 3);
    CHECK(changed.judgement.at("content") != first.judgement.at("content"));
  }
}

TEST_CASE("an unreadable answer is asked once more, then counts as missing", "[nodes]") {
  Fixture f;
  SECTION("never readable") {
    f.server().respond_with([](const Received&) { return std::string("The answer looks fine to me."); });
    NodeResult result = f.judge(f.spec(3));
    REQUIRE(result.ok());
    auto received = f.server().received();
    CHECK(received.size() == 6);  // each vote and its one retry
    CHECK(prompt_of(received[0]) == prompt_of(received[1]));
    CHECK(received[0].body.at("seed") != received[1].body.at("seed"));  // not the same draw again
    CHECK(counts(result) == json{criterion(0, 0, 3), criterion(0, 0, 3), criterion(0, 0, 3)});
    CHECK(result.score == 0);
    REQUIRE(f.saved.size() == 6);
    CHECK(f.saved[1].at("retry") == 1);
    CHECK_FALSE(f.saved[0].contains("retry"));
  }
  SECTION("the retry fills in what the first reply left out") {
    f.server().script({llm::test::answer(200, f.server().reply_body("1: YES\n2: NO"))});
    f.server().respond_with([](const Received& r) { return answer_shown(r, short_only); });
    NodeResult result = f.judge(f.spec(2));
    REQUIRE(result.ok());
    CHECK(f.server().received().size() == 3);
    CHECK(counts(result) == json{criterion(2, 0, 0), criterion(0, 2, 0), criterion(0, 2, 0)});
  }
  SECTION("answered YES it would score higher") {
    f.server().respond_with([](const Received& r) { return answer_shown(r, short_only); });
    CHECK(f.judge(f.spec(3)).score == Approx(1.0 / 3));
  }
}

TEST_CASE("bradley-terry stops voting once every criterion is settled", "[nodes]") {
  Fixture f;
  SECTION("unanimous answers settle after five votes") {
    f.server().respond_with([](const Received& r) { return answer_shown(r, short_only); });
    NodeResult result = f.judge(f.spec(10, "bradley-terry"));
    REQUIRE(result.ok());
    CHECK(f.server().received().size() == 5);
    CHECK(result.judgement.at("votes") == 5);
    CHECK(result.judgement.at("votes_saved") == 5);
    CHECK(result.score == Approx(1.0 / 3));
    CHECK(result.judgement.at("criteria")[0].at("rate") == Approx(6.0 / 7));
  }
  SECTION("a judge that cannot make up its mind uses every vote") {
    auto calls = std::make_shared<std::atomic<int>>(0);
    f.server().respond_with([calls](const Received& r) {
      bool yes = (*calls)++ % 2 == 0;
      return answer_shown(r, [yes](const std::string&) { return yes; });
    });
    NodeResult result = f.judge(f.spec(10, "bradley-terry"));
    REQUIRE(result.ok());
    CHECK(f.server().received().size() == 10);
    CHECK(result.judgement.at("votes_saved") == 0);
    CHECK(counts(result)[0] == criterion(5, 5, 0));
    CHECK(result.score == 0.5);
  }
}

TEST_CASE("a judge can judge what the artifact generates for the sample", "[nodes]") {
  Fixture f;
  f.server().respond_with([](const Received& r) {
    if (r.body.at("model") == "fake-writer")
      return std::string("- Open Settings\n- Choose Reset password\n");
    return answer_shown(r, [](const std::string& q) { return q == k_criteria[1]; });
  });
  json spec = f.spec(2);
  SECTION("by an llm whose system prompt is the artifact") {
    spec["generate"] = {{"llm", f.llm("fake-writer")}};
    NodeResult result = f.judge(spec);
    REQUIRE(result.ok());
    auto received = f.server().received();
    REQUIRE(received.size() == 3);
    CHECK(system_of(received[0]) == "You are a support agent. Be brief.\n");
    CHECK(prompt_of(received[0]) == k_sample);
    for (size_t i = 1; i < received.size(); ++i) {
      CHECK(prompt_of(received[i]).find("- Choose Reset password") != std::string::npos);
      CHECK(prompt_of(received[i]).find("Be brief.") == std::string::npos);
    }
    CHECK(counts(result) == json{criterion(0, 2, 0), criterion(2, 0, 0), criterion(0, 2, 0)});
    CHECK(f.blob(result, "output") == "- Open Settings\n- Choose Reset password\n");
    CHECK(result.judgement.at("content") ==
          cache::digest_of("- Open Settings\n- Choose Reset password\n").hex());
    CHECK(result.judgement.at("calls") == 3);
    CHECK(f.saved[0].at("purpose") == "generate");
  }
  SECTION("by a command reading ANNEAL_SAMPLE") {
    spec["generate"] = {
        {"run",
         "printf 'Reply to: %s (%s, %s, %s)' \"$(cat \"$ANNEAL_SAMPLE\")\" \"$ANNEAL_SAMPLE_NAME\" "
         "\"$ANNEAL_TARGET\" \"$(head -c 10 prompt.md)\""},
        {"timeout", 10}};
    NodeResult result = f.judge(spec);
    INFO(result.detail);
    REQUIRE(result.ok());
    auto received = f.server().received();
    REQUIRE(received.size() == 2);
    std::string output = "Reply to: How do I reset my password? (reset, support-prompt, You are a )";
    CHECK(prompt_of(received[0]).find(output) != std::string::npos);
    CHECK(f.blob(result, "output") == output);
  }
  SECTION("a failing command crashes the judge with its stderr") {
    spec["generate"] = {{"run", "echo 'model file not found' >&2; exit 3"}, {"timeout", 10}};
    NodeResult result = f.judge(spec);
    CHECK(result.outcome == Outcome::Crashed);
    CHECK(result.detail.find("generate command for sample reset: exit status 3") != std::string::npos);
    CHECK(result.detail.find("model file not found") != std::string::npos);
    CHECK(f.server().received().empty());
  }
}

TEST_CASE("a judge call that keeps failing crashes the judge with the reason", "[nodes]") {
  Fixture f;
  f.server().script(
      {llm::test::answer(500, llm::test::openai_error_body("server_error", "", "The server had an error"))});
  NodeResult result = f.judge(f.spec(3));
  CHECK(result.outcome == Outcome::Crashed);
  CHECK(result.detail.starts_with("judge call for sample reset, vote 0: "));
  CHECK(result.detail.find("500") != std::string::npos);
  CHECK(f.server().received().size() == 1);
  SECTION("the crashed call is sent again next time") {
    f.server().respond_with([](const Received& r) { return answer_shown(r, short_only); });
    NodeResult again = f.judge(f.spec(3));
    CHECK(again.ok());
    CHECK(f.server().received().size() == 4);
  }
}

TEST_CASE("a refused key is an error, not a judgement", "[nodes]") {
  testing::ScopedEnv key("ANNEAL_TEST_JUDGE_KEY", "sk-wrong");
  FakeLlmServer strict(llm::Provider::openai, "sk-right");
  Fixture f;
  json spec = f.spec(1);
  spec["judge"]["base_url"] = strict.base_url();
  auto result = execute_node(f.context(), make_spec(spec));
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("rejected the API key") != std::string::npos);
}

TEST_CASE("a judge is skipped when an earlier check failed", "[nodes]") {
  Fixture f;
  NodeResult gate;
  gate.outcome = Outcome::Failed;
  gate.detail = "gate lint: exit status 1";
  json spec = f.spec(3);
  spec["after"] = {f.put(gate)};
  NodeResult result = f.judge(spec);
  CHECK(result.outcome == Outcome::Skipped);
  CHECK(result.detail == "an earlier check was failed");
  CHECK(f.server().received().empty());
}
