// What an api agent's experiment costs anneal itself, model aside: assembling the prompt of a
// 1 MB artifact with 10,000 past experiments in the knowledge store (similarity retrieval,
// history within max_context_tokens), then parsing a reply and applying its edit blocks to the
// file on disk. Goal: under 20 ms per experiment.
//
// Usage: bench_prompt_assembly [experiments-in-store] [artifact-bytes] [iterations]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "edit/apply_edits.h"
#include "edit/edit_reply.h"
#include "graph/agent_prompt.h"
#include "graph/annealfile.h"
#include "knowledge/knowledge_store.h"
#include "util/file.h"
#include "util/random.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const char* const k_words[] = {"cache", "latency", "prompt", "retry", "batch", "index", "query", "buffer",
                               "timeout", "thread", "pool", "compress", "inline", "vector", "hash", "sort",
                               "shorter", "clearer", "example", "heading", "table", "summary", "remove",
                               "merge", "split", "reorder", "explain", "simplify", "tighten", "reword"};

std::string hypothesis(anneal::Rng& rng) {
  std::string text = "Hypothesis:";
  int n = 8 + static_cast<int>(rng.below(10));
  for (int i = 0; i < n; ++i)
    text += std::string(" ") + k_words[rng.below(std::size(k_words))];
  return text.substr(12);
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  int stored = argc > 1 ? std::atoi(argv[1]) : 10000;
  size_t bytes = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1 << 20;
  int iterations = argc > 3 ? std::atoi(argv[3]) : 100;

  auto file = anneal::graph::parse_annealfile(R"(annealfile: 1
agents:
  coder: {kind: api, provider: openai, model: gpt-4.1-mini, max_context_tokens: 400000}
targets:
  doc:
    artifact: [doc.md]
    agent: coder
    stages: [{name: words, run: "wc -w < doc.md"}]
    objective: {metric: words, direction: minimize}
)",
                                              "Annealfile");
  if (!file) {
    std::fprintf(stderr, "%s\n", file.error().message.c_str());
    return 1;
  }
  const anneal::graph::Target& target = file->targets.front();

  anneal::Rng rng(42);
  std::string artifact;
  for (int line = 0; artifact.size() < bytes; ++line)
    artifact += fmt::format("{:06d} {}\n", line, hypothesis(rng));
  fs::path dir = fs::temp_directory_path() / fmt::format("anneal-bench-prompt-{}", getpid());
  fs::create_directories(dir);
  (void)anneal::write_file_atomic(dir / "doc.md", artifact, anneal::Durability::Unsynced);

  auto started = Clock::now();
  anneal::knowledge::KnowledgeStore store;
  std::vector<nlohmann::json> records;
  for (int id = 1; id <= stored; ++id) {
    anneal::knowledge::Attempt a;
    a.id = id;
    a.hypothesis = hypothesis(rng);
    a.outcome = rng.below(3) == 0 ? "kept" : "discarded";
    a.score = 1000.0 - id * 0.01;
    records.push_back({{"id", id}, {"outcome", a.outcome}, {"score", *a.score}, {"hypothesis", a.hypothesis},
                       {"scores", {{"words", *a.score}}}, {"detail", ""}});
    store.add(std::move(a));
  }
  double load_ms = ms(Clock::now() - started);

  std::vector<double> prompt_times, edit_times, total_times;
  size_t prompt_bytes = 0;
  for (int i = 0; i < iterations; ++i) {
    auto t0 = Clock::now();
    anneal::graph::PromptInput input;
    input.experiment = stored + i + 1;
    input.position.incumbent_score = 900;
    input.recent.assign(records.end() - 8, records.end());
    std::string query;
    std::vector<int> shown;
    for (const auto& r : input.recent) {
      query += r.at("hypothesis").get<std::string>() + "\n";
      shown.push_back(r.at("id").get<int>());
    }
    for (const auto* a : store.similar(query, 5, shown))
      input.similar.push_back(anneal::knowledge::format_attempts({a}));
    input.learnings = "- shorter sections scored better\n- examples help";
    auto text = anneal::read_file(dir / "doc.md");
    input.files.emplace_back("doc.md", std::move(*text));
    auto prompt = anneal::graph::api_prompt(target, input, 400000);
    if (!prompt) {
      std::fprintf(stderr, "%s\n", prompt.error().message.c_str());
      return 1;
    }
    prompt_bytes = prompt->size();
    auto t1 = Clock::now();

    // A reply editing three lines spread over the file.
    const std::string& content = input.files.front().second;
    std::string reply = "Hypothesis: tighten three lines\n";
    for (size_t at : {content.size() / 5, content.size() / 2, content.size() * 4 / 5}) {
      size_t begin = content.rfind('\n', at) + 1;
      std::string line = content.substr(begin, content.find('\n', begin) - begin);
      reply += fmt::format("\ndoc.md\n<<<<<<< SEARCH\n{}\n=======\n{} (edited {})\n>>>>>>> REPLACE\n", line,
                           line, i);
    }
    auto parsed = anneal::edit::parse_edit_reply(reply);
    auto applied = parsed ? anneal::edit::apply_edits(dir, parsed->edits) : anneal::Result<anneal::edit::ApplyOutcome>();
    if (!parsed || !applied || !applied->ok()) {
      std::fprintf(stderr, "edit failed: %s\n",
                   !parsed ? parsed.error().message.c_str()
                   : !applied ? applied.error().message.c_str()
                              : applied->describe_failures().c_str());
      return 1;
    }
    auto t2 = Clock::now();
    store.add({stored + i + 1, "tighten three lines", "kept", 899.0, -1.0, ""});
    prompt_times.push_back(ms(t1 - t0));
    edit_times.push_back(ms(t2 - t1));
    total_times.push_back(ms(t2 - t0));
  }
  fs::remove_all(dir);

  auto stat = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v)
      sum += x;
    return std::pair{sum / v.size(), v[v.size() * 95 / 100]};
  };
  auto [prompt_mean, prompt_p95] = stat(prompt_times);
  auto [edit_mean, edit_p95] = stat(edit_times);
  auto [total_mean, total_p95] = stat(total_times);
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("prompt assembly + edit application: artifact %.2f MB, %d past experiments, %d iterations "
              "(load %.2f)\n",
              bytes / 1048576.0, stored, iterations, load[0]);
  std::printf("  knowledge store built from %d experiments in %.1f ms\n", stored, load_ms);
  std::printf("  prompt: %.2f MB, ~%zu tokens\n", prompt_bytes / 1048576.0, prompt_bytes / 4);
  std::printf("  %-28s %8s %8s\n", "step", "mean ms", "p95 ms");
  std::printf("  %-28s %8.2f %8.2f\n", "prompt (retrieval + text)", prompt_mean, prompt_p95);
  std::printf("  %-28s %8.2f %8.2f\n", "parse + apply 3 edit blocks", edit_mean, edit_p95);
  std::printf("  %-28s %8.2f %8.2f   goal < 20 ms: %s\n", "per experiment", total_mean, total_p95,
              total_mean < 20 ? "met" : "MISSED");
  return 0;
}
