#include "knowledge/learning_pool.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "scoped_env.h"
#include "temp_dir.h"
#include "util/file.h"

namespace fs = std::filesystem;
using anneal::knowledge::Learning;
using anneal::knowledge::LearningPool;
using anneal::knowledge::PooledLearning;
using anneal::testing::TempDir;

namespace {

std::vector<std::string> texts(const std::vector<PooledLearning>& found) {
  std::vector<std::string> out;
  for (const PooledLearning& item : found)
    out.push_back(item.learning.text);
  return out;
}

std::vector<std::string> lines_of(const fs::path& file) {
  std::vector<std::string> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("LearningPool shares learnings between pools on the same file", "[knowledge]") {
  TempDir dir;
  fs::path file = dir.path() / "config" / "anneal" / "learnings.jsonl";  // parents do not exist yet
  LearningPool writer(file);
  LearningPool reader(file);

  SECTION("a missing file has no learnings") {
    auto found = reader.relevant("prompts", "few-shot examples", 5);
    REQUIRE(found);
    CHECK(found->empty());
  }
  SECTION("what one writes, the other finds, with every field") {
    REQUIRE(writer.add({"prompts", "api/summarize", "Few-shot examples longer than the input hurt accuracy",
                        "2024-05-01T10:00:00Z"}));
    REQUIRE(writer.add(
        {"sql", "shop/orders", "Covering indexes beat partial ones on orders", "2024-05-02T10:00:00Z"}));
    auto found = reader.relevant("prompts", "shorter few-shot examples", 5);
    REQUIRE(found);
    REQUIRE(found->size() == 1);
    const Learning& learning = (*found)[0].learning;
    CHECK(learning.domain == "prompts");
    CHECK(learning.source == "api/summarize");
    CHECK(learning.time == "2024-05-01T10:00:00Z");
    CHECK((*found)[0].score > 0);
    CHECK(lines_of(file).size() == 2);
  }
  SECTION("text with line breaks stays one line") {
    REQUIRE(writer.add({"docs", "site/readme", "first line\nsecond line", "t"}));
    CHECK(lines_of(file).size() == 1);
    auto found = reader.relevant("docs", "second line", 5);
    REQUIRE(found);
    REQUIRE(found->size() == 1);
    CHECK((*found)[0].learning.text == "first line\nsecond line");
  }
}

TEST_CASE("LearningPool ranks other domains down by the penalty", "[knowledge]") {
  TempDir dir;
  LearningPool pool(dir.path() / "learnings.jsonl");
  // The same lesson in two domains, and a weaker match in the asking domain.
  REQUIRE(pool.add({"sql", "a/x", "batching writes in one transaction cut latency", "t"}));
  REQUIRE(pool.add({"prompts", "b/y", "batching writes in one transaction cut latency", "t"}));
  REQUIRE(pool.add({"prompts", "b/z", "batching requests helped, writes unclear", "t"}));
  REQUIRE(pool.add({"prompts", "b/w", "translate headings last", "t"}));
  const char* query = "batching writes in one transaction";

  SECTION("same domain first, the other at the penalty") {
    auto found = pool.relevant("prompts", query, 10, 0.5);
    REQUIRE(found);
    REQUIRE(found->size() == 3);
    CHECK((*found)[0].learning.source == "b/y");
    auto same = (*found)[0].score;
    for (const PooledLearning& item : *found)
      if (item.learning.source == "a/x")
        CHECK(item.score == Approx(same * 0.5));
    CHECK((*found)[2].score <= (*found)[1].score);
  }
  SECTION("asking from the other domain reverses them") {
    auto found = pool.relevant("sql", query, 1, 0.5);
    REQUIRE(found);
    REQUIRE(found->size() == 1);
    CHECK((*found)[0].learning.source == "a/x");
  }
  SECTION("a penalty of 0 excludes other domains") {
    auto found = pool.relevant("sql", query, 10, 0.0);
    REQUIRE(found);
    REQUIRE(found->size() == 1);
    CHECK((*found)[0].learning.source == "a/x");
  }
  SECTION("k limits, score 0 is dropped") {
    auto found = pool.relevant("prompts", query, 2);
    REQUIRE(found);
    CHECK(found->size() == 2);
    auto none = pool.relevant("prompts", "vectorize the inner loop", 10);
    REQUIRE(none);
    CHECK(none->empty());
    auto zero = pool.relevant("prompts", query, 0);
    REQUIRE(zero);
    CHECK(zero->empty());
  }
}

TEST_CASE("LearningPool skips torn and foreign lines", "[knowledge]") {
  TempDir dir;
  fs::path file = dir.path() / "learnings.jsonl";
  LearningPool pool(file);
  REQUIRE(pool.add({"docs", "r/t", "short sentences read better", "t"}));
  {
    std::ofstream out(file, std::ios::app);
    out << "not json at all\n";
    out << "[1, 2]\n";
    out << R"({"v":1,"domain":"docs","text":42})"
        << "\n";
    out << R"({"v":1,"domain":"docs","source":"r/t","text":"sentences torn)";  // a killed writer
  }
  auto found = pool.relevant("docs", "sentences", 10);
  REQUIRE(found);
  CHECK(texts(*found) == std::vector<std::string>{"short sentences read better"});

  SECTION("the next append starts a fresh line") {
    REQUIRE(pool.add({"docs", "r/t", "long sentences lose readers", "t"}));
    auto after = pool.relevant("docs", "sentences", 10);
    REQUIRE(after);
    CHECK(after->size() == 2);
    CHECK(lines_of(file).back().starts_with(R"({"domain":"docs")"));
  }
}

TEST_CASE("LearningPool keeps lines whole under concurrent appends", "[knowledge]") {
  TempDir dir;
  fs::path file = dir.path() / "learnings.jsonl";
  constexpr int k_writers = 6;
  constexpr int k_lines = 40;
  std::vector<pid_t> children;
  for (int w = 0; w < k_writers; ++w) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      LearningPool pool(file);
      // Lines far longer than one pipe buffer, so only the lock keeps them whole.
      std::string padding(20000, static_cast<char>('a' + w));
      for (int i = 0; i < k_lines; ++i)
        if (!pool.add({"d", "w" + std::to_string(w),
                       std::to_string(w) + " " + std::to_string(i) + " " + padding, "t"}))
          ::_exit(1);
      ::_exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  std::vector<std::string> lines = lines_of(file);
  REQUIRE(lines.size() == k_writers * k_lines);
  std::set<std::string> seen;
  for (const std::string& line : lines) {
    auto record = nlohmann::json::parse(line, nullptr, false);
    REQUIRE(record.is_object());
    std::string text = record["text"];
    REQUIRE(text.size() > 20000);
    seen.insert(text.substr(0, text.find(' ', text.find(' ') + 1)));
  }
  CHECK(seen.size() == k_writers * k_lines);
}

TEST_CASE("LearningPool::for_user lives in the user's config directory", "[knowledge]") {
  TempDir dir;
  anneal::testing::ScopedEnv config("ANNEAL_CONFIG_DIR", dir.path().string());
  CHECK(LearningPool::for_user().file() == dir.path() / "learnings.jsonl");
}

TEST_CASE("a pooled lesson's line names its target, project and domain", "[knowledge]") {
  using anneal::knowledge::format_pooled;
  PooledLearning same{{"docs", "site/pages", "short headings help", "t"}, 0.8, 0.8, true};
  CHECK(format_pooled(same, "docs", 0.5) == "- from target `pages` of project `site` (domain docs): short headings help");
  PooledLearning other{{"sql", "shop/queries", "index the join column", "t"}, 0.4, 0.8, false};
  CHECK(format_pooled(other, "docs", 0.5) ==
        "- from target `queries` of project `shop` (domain sql, not docs: weighted ×0.5): index the join column");
  PooledLearning odd{{"", "loose", "no project", "t"}, 0.4, 0.8, false};
  CHECK(format_pooled(odd, "docs", 0.25) == "- from `loose` (domain unnamed, not docs: weighted ×0.25): no project");
}
