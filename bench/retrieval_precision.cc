// Retrieval precision of the knowledge store's TF-IDF cosine against word Jaccard (the
// baseline), on hand-labelled experiment hypotheses, and the query time of both.
//
// bench/data/labelled_hypotheses.jsonl holds one {"group": ..., "text": ...} per line: the
// hypotheses an optimisation agent could write, in intent groups (the same idea, phrased as
// different model outputs would). Every hypothesis in turn is the query; the others are
// ranked; precision@k is the share of the top k that belong to the query's group, averaged
// over all queries. Candidates with score 0 are not ranked (they share no term), so a method
// that finds fewer than k candidates loses those places.
//
// Embeddings (`knowledge.retrieval: embeddings`) are measured the same way, with vectors from
// an OpenAI-compatible POST /v1/embeddings through anneal's own client: by default
// anneal-fake-llm's fake-embed (hashed character trigrams; the bench starts the fake next to
// its own binary, or $FAKE_LLM), or a real model when EMBEDDINGS_BASE_URL and
// EMBEDDINGS_MODEL are set (the key from OPENAI_API_KEY, none for loopback).
//
// Usage: bench_retrieval_precision [labelled.jsonl] [repetitions]
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "knowledge/embedding_index.h"
#include "knowledge/tfidf_index.h"
#include "llm/api_key.h"
#include "llm/embeddings.h"

extern char** environ;

using anneal::knowledge::Match;
using anneal::knowledge::TfIdfIndex;
using anneal::knowledge::tokenize;
using anneal::knowledge::word_jaccard;
using Clock = std::chrono::steady_clock;

namespace {

struct Labelled {
  std::string group;
  std::string text;
};

std::vector<Labelled> load(const std::string& path) {
  std::vector<Labelled> items;
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(1);
  }
  size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty())
      continue;
    auto record = nlohmann::json::parse(line, nullptr, false);
    if (!record.is_object() || !record.contains("group") || !record.contains("text")) {
      std::fprintf(stderr, "%s:%zu: expected {\"group\": ..., \"text\": ...}\n", path.c_str(), number);
      std::exit(1);
    }
    items.push_back({record["group"].get<std::string>(), record["text"].get<std::string>()});
  }
  return items;
}

/// Words as written: lower-cased runs of letters and digits, no stop words, no stemming —
/// word-level Jaccard in its plain form, the baseline the issue names.
std::vector<std::string> plain_word_set(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

/// Sorted, de-duplicated tokens: what word_jaccard computes for each text on every call.
std::vector<std::string> token_set(const std::string& text) {
  std::vector<std::string> tokens = tokenize(text);
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  return tokens;
}

double set_jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t common = 0;
  for (auto x = a.begin(), y = b.begin(); x != a.end() && y != b.end();) {
    if (*x < *y)
      ++x;
    else if (*y < *x)
      ++y;
    else
      ++common, ++x, ++y;
  }
  size_t together = a.size() + b.size() - common;
  return together == 0 ? 0.0 : static_cast<double>(common) / static_cast<double>(together);
}

/// The top `k` of `scores` (score > 0, best first, ties by lower index), leaving out `self`.
std::vector<size_t> top_k(const std::vector<double>& scores, size_t self, size_t k) {
  std::vector<size_t> order;
  for (size_t i = 0; i < scores.size(); ++i)
    if (i != self && scores[i] > 0)
      order.push_back(i);
  size_t n = std::min(k, order.size());
  std::partial_sort(
      order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
      [&](size_t a, size_t b) { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; });
  order.resize(n);
  return order;
}

struct Figures {
  double p1 = 0, p5 = 0, p10 = 0;
  double micros_per_query = 0;
};

/// Precision at 1, 5 and 10 of the rankings `rank(query)` returns (up to 10 ids, self left out).
template <class Rank>
Figures precision(const std::vector<Labelled>& items, Rank rank) {
  Figures f;
  for (size_t q = 0; q < items.size(); ++q) {
    std::vector<size_t> ranked = rank(q);
    auto hits = [&](size_t k) {
      size_t n = 0;
      for (size_t i = 0; i < std::min(k, ranked.size()); ++i)
        n += items[ranked[i]].group == items[q].group;
      return static_cast<double>(n) / static_cast<double>(k);
    };
    f.p1 += hits(1);
    f.p5 += hits(5);
    f.p10 += hits(10);
  }
  double n = static_cast<double>(items.size());
  f.p1 /= n, f.p5 /= n, f.p10 /= n;
  return f;
}

/// Mean microseconds per call of `query(i)` over `rounds` passes through `queries` queries.
template <class Query>
double time_queries(size_t queries, int rounds, Query query) {
  volatile size_t sink = 0;
  auto start = Clock::now();
  for (int r = 0; r < rounds; ++r)
    for (size_t q = 0; q < queries; ++q)
      sink = sink + query(q);
  std::chrono::duration<double, std::micro> spent = Clock::now() - start;
  return spent.count() / static_cast<double>(queries * static_cast<size_t>(rounds));
}

std::vector<size_t> tfidf_rank(const TfIdfIndex& index, const std::string& text, size_t self) {
  std::vector<size_t> ranked;
  for (const Match& match : index.query(text, 11))
    if (match.id != self && ranked.size() < 10)
      ranked.push_back(match.id);
  return ranked;
}

/// anneal-fake-llm on a free loopback port while the bench runs.
class FakeLlm {
 public:
  explicit FakeLlm(const std::string& binary) {
    m_dir = std::filesystem::temp_directory_path() / ("bench-fake-llm-" + std::to_string(getpid()));
    std::filesystem::create_directories(m_dir);
    std::string port_file = (m_dir / "port").string();
    std::vector<std::string> args = {binary, "--port", "0", "--port-file", port_file};
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&m_pid, binary.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
      m_pid = 0;
      return;
    }
    for (int i = 0; i < 500 && m_port == 0; ++i) {
      std::ifstream in(port_file);
      in >> m_port;
      if (m_port == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~FakeLlm() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGTERM);
      int status = 0;
      ::waitpid(m_pid, &status, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(m_dir, ignored);
  }
  int port() const { return m_port; }

 private:
  std::filesystem::path m_dir;
  pid_t m_pid = 0;
  int m_port = 0;
};

/// The labelled texts' vectors from the configured endpoint, or why there are none.
struct Embedded {
  std::vector<anneal::knowledge::Vector> vectors;
  std::string model;  ///< what embedded them, for the table
  double seconds = 0; ///< wall time of the requests
  std::string problem;
};

Embedded embed_all(const std::vector<Labelled>& items, const char* argv0) {
  Embedded out;
  const char* url = std::getenv("EMBEDDINGS_BASE_URL");
  const char* model = std::getenv("EMBEDDINGS_MODEL");
  std::optional<FakeLlm> fake;
  anneal::llm::EmbeddingRequest request;
  if (url && model) {
    request.base_url = url;
    request.model = model;
  } else {
    const char* env = std::getenv("FAKE_LLM");
    std::string binary = env ? env : (std::filesystem::path(argv0).parent_path() / "anneal-fake-llm").string();
    if (!std::filesystem::exists(binary)) {
      out.problem = "no " + binary + " (build it: ninja -C build anneal-fake-llm, or set FAKE_LLM)";
      return out;
    }
    fake.emplace(binary);
    if (fake->port() == 0) {
      out.problem = binary + " did not start";
      return out;
    }
    request.base_url = "http://127.0.0.1:" + std::to_string(fake->port()) + "/v1";
    request.model = "fake-embed";
  }
  out.model = request.model + " at " + request.base_url;
  for (const Labelled& item : items)
    request.inputs.push_back(item.text);
  anneal::llm::Request chat;
  chat.base_url = request.base_url;
  auto key = anneal::llm::read_api_key(chat);
  if (!key) {
    out.problem = key.error().message;
    return out;
  }
  anneal::llm::Client client;
  auto start = Clock::now();
  auto reply = anneal::llm::embed(client, request, *key);
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!reply)
    out.problem = reply.error().message;
  else
    out.vectors = std::move(reply->vectors);
  return out;
}

std::vector<size_t> embedding_rank(const std::vector<anneal::knowledge::Vector>& vectors, size_t self) {
  std::vector<size_t> ranked;
  for (const Match& match : anneal::knowledge::nearest(vectors[self], vectors, 11))
    if (match.id != self && ranked.size() < 10)
      ranked.push_back(match.id);
  return ranked;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path =
      argc > 1 ? argv[1] : std::string(ANNEAL_SOURCE_DIR) + "/bench/data/labelled_hypotheses.jsonl";
  int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
  std::vector<Labelled> items = load(path);
  std::vector<std::string> groups;
  for (const Labelled& item : items)
    groups.push_back(item.group);
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  std::printf("retrieval precision: %zu labelled hypotheses in %zu groups (%s)\n\n", items.size(),
              groups.size(), path.c_str());

  // --- precision on the labelled set ------------------------------------------------------
  TfIdfIndex index;
  for (const Labelled& item : items)
    index.add(item.text);
  std::vector<std::vector<std::string>> sets;
  for (const Labelled& item : items)
    sets.push_back(token_set(item.text));

  Figures tfidf = precision(items, [&](size_t q) { return tfidf_rank(index, items[q].text, q); });
  tfidf.micros_per_query =
      time_queries(items.size(), rounds, [&](size_t q) { return index.query(items[q].text, 6).size(); });

  auto jaccard_scores = [&](size_t q) {
    std::vector<double> scores(items.size());
    for (size_t d = 0; d < items.size(); ++d)
      scores[d] = set_jaccard(sets[q], sets[d]);
    return scores;
  };
  Figures jaccard = precision(items, [&](size_t q) { return top_k(jaccard_scores(q), q, 10); });
  // The query's own token set is computed per query; the documents' sets are kept, as a
  // store would keep them.
  jaccard.micros_per_query = time_queries(items.size(), rounds, [&](size_t q) {
    std::vector<std::string> query = token_set(items[q].text);
    std::vector<double> scores(items.size());
    for (size_t d = 0; d < items.size(); ++d)
      scores[d] = set_jaccard(query, sets[d]);
    return top_k(scores, q, 5).size();
  });
  // word_jaccard() itself tokenizes both texts on every call: the naive baseline's cost.
  Figures naive = precision(items, [&](size_t q) {
    std::vector<double> scores(items.size());
    for (size_t d = 0; d < items.size(); ++d)
      scores[d] = word_jaccard(items[q].text, items[d].text);
    return top_k(scores, q, 10);
  });
  naive.micros_per_query = time_queries(items.size(), std::max(1, rounds / 10), [&](size_t q) {
    std::vector<double> scores(items.size());
    for (size_t d = 0; d < items.size(); ++d)
      scores[d] = word_jaccard(items[q].text, items[d].text);
    return top_k(scores, q, 5).size();
  });

  std::vector<std::vector<std::string>> plain_sets;
  for (const Labelled& item : items)
    plain_sets.push_back(plain_word_set(item.text));
  Figures plain = precision(items, [&](size_t q) {
    std::vector<double> scores(items.size());
    for (size_t d = 0; d < items.size(); ++d)
      scores[d] = set_jaccard(plain_sets[q], plain_sets[d]);
    return top_k(scores, q, 10);
  });

  Embedded embedded = embed_all(items, argv[0]);
  std::optional<Figures> embeddings;
  if (embedded.problem.empty()) {
    embeddings = precision(items, [&](size_t q) { return embedding_rank(embedded.vectors, q); });
    // The ranking alone; the request is timed apart (it is paid once per text, then cached).
    embeddings->micros_per_query = time_queries(items.size(), rounds, [&](size_t q) {
      return anneal::knowledge::nearest(embedded.vectors[q], embedded.vectors, 6).size();
    });
  }

  std::printf("%-42s %8s %8s %8s %14s\n", "method", "P@1", "P@5", "P@10", "µs per query");
  auto row = [](const char* name, const Figures& f) {
    if (f.micros_per_query > 0)
      std::printf("%-42s %8.3f %8.3f %8.3f %14.1f\n", name, f.p1, f.p5, f.p10, f.micros_per_query);
    else
      std::printf("%-42s %8.3f %8.3f %8.3f %14s\n", name, f.p1, f.p5, f.p10, "-");
  };
  row("tf-idf cosine (TfIdfIndex)", tfidf);
  if (embeddings)
    row("embedding cosine (retrieval: embeddings)", *embeddings);
  row("stemmed jaccard (cached sets)", jaccard);
  row("stemmed jaccard (word_jaccard())", naive);
  row("plain word jaccard (no stemming)", plain);
  double ratio = plain.p5 > 0 ? tfidf.p5 / plain.p5 : 0;
  std::printf("\nprecision@5 ratio tf-idf / plain word-level jaccard: %.2f (goal >= 1.5: %s)\n", ratio,
              ratio >= 1.5 ? "met" : "not met");
  if (embeddings)
    std::printf("embeddings: %s, %zu vectors of %zu dimensions in %.2f s; precision@5 embeddings %.3f, tf-idf %.3f\n",
                embedded.model.c_str(), embedded.vectors.size(), embedded.vectors.front().size(), embedded.seconds,
                embeddings->p5, tfidf.p5);
  else
    std::printf("embeddings: not measured: %s\n", embedded.problem.c_str());
  std::printf("precision@5 ratio tf-idf / jaccard over anneal's stemmed tokens: %.2f (a stronger baseline)\n",
              jaccard.p5 > 0 ? tfidf.p5 / jaccard.p5 : 0);
  std::printf("(a random ranking would score %.3f at P@5)\n\n", [&] {
    double expected = 0;
    for (const Labelled& item : items)
      expected +=
          static_cast<double>(std::count_if(items.begin(), items.end(),
                                            [&](const Labelled& o) { return o.group == item.group; }) -
                              1) /
          static_cast<double>(items.size() - 1);
    return expected / static_cast<double>(items.size());
  }());

  // --- query time over 10,000 documents ---------------------------------------------------
  // Documents are the labelled texts again and again, each with two words of the set's own
  // vocabulary appended, so they are short, distinct and realistic in their term statistics.
  std::vector<std::string> vocabulary;
  for (const auto& set : sets)
    vocabulary.insert(vocabulary.end(), set.begin(), set.end());
  std::sort(vocabulary.begin(), vocabulary.end());
  vocabulary.erase(std::unique(vocabulary.begin(), vocabulary.end()), vocabulary.end());
  constexpr size_t k_big = 10000;
  std::vector<std::string> big;
  uint64_t state = 42;
  auto next = [&](size_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>((state >> 33) % n);
  };
  for (size_t i = 0; i < k_big; ++i)
    big.push_back(items[i % items.size()].text + " " + vocabulary[next(vocabulary.size())] + " " +
                  vocabulary[next(vocabulary.size())]);

  auto add_start = Clock::now();
  TfIdfIndex big_index;
  for (const std::string& text : big)
    big_index.add(text);
  std::chrono::duration<double, std::micro> add_time = Clock::now() - add_start;

  // The first query recomputes every norm; it is part of the mean.
  double big_tfidf =
      time_queries(items.size(), rounds, [&](size_t q) { return big_index.query(items[q].text, 5).size(); });
  std::vector<std::vector<std::string>> big_sets;
  for (const std::string& text : big)
    big_sets.push_back(token_set(text));
  double big_jaccard = time_queries(items.size(), 1, [&](size_t q) {
    std::vector<std::string> query = token_set(items[q].text);
    std::vector<double> scores(big_sets.size());
    for (size_t d = 0; d < big_sets.size(); ++d)
      scores[d] = set_jaccard(query, big_sets[d]);
    return top_k(scores, big_sets.size(), 5).size();
  });
  // How the knowledge store is used during a build: one experiment finishes (add), the next
  // prompt asks (query), so every query pays for a refresh of all norms.
  constexpr size_t k_interleaved = 200;
  auto interleaved_start = Clock::now();
  for (size_t i = 0; i < k_interleaved; ++i) {
    big_index.add(items[i % items.size()].text);
    volatile size_t n = big_index.query(items[(i * 7) % items.size()].text, 5).size();
    (void)n;
  }
  std::chrono::duration<double, std::micro> interleaved = Clock::now() - interleaved_start;

  std::printf("over %zu documents:\n", k_big);
  std::printf("  tf-idf index build                      %10.1f µs per document\n",
              add_time.count() / static_cast<double>(k_big));
  std::printf("  tf-idf query                            %10.1f µs\n", big_tfidf);
  std::printf("  tf-idf add one, then query (per pair)   %10.1f µs\n",
              interleaved.count() / static_cast<double>(k_interleaved));
  std::printf("  jaccard query (cached token sets)       %10.1f µs\n", big_jaccard);
  return 0;
}
