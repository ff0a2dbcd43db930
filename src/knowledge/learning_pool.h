#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "knowledge/embedding_index.h"
#include "util/error.h"

namespace anneal::knowledge {

/// A consolidated lesson, shared across targets and repositories.
struct Learning {
  std::string domain;  ///< the target's `domain` (e.g. "prompts", "sql", "docs")
  std::string source;  ///< "<repository dir name>/<target>", for the reader
  std::string text;    ///< the lesson itself
  std::string time;    ///< ISO-8601 UTC, when it was learned
};

/// A learning retrieved for a target, with its weighted similarity.
struct PooledLearning {
  Learning learning;
  double score = 0;       ///< similarity × (1 for the same domain, else the domain penalty)
  double similarity = 0;  ///< cosine of TF-IDF or embedding vectors, before the penalty
  bool same_domain = true;
};

/// The cross-target learning pool: a JSON-lines file in the user's config directory that
/// every target and repository on the machine reads and appends to. Appends are whole lines
/// under an exclusive flock, so concurrent builds never interleave; a torn last line (a
/// killed writer) is skipped when reading.
///
/// File format, version 1: one JSON object per line, each ending in "\n":
///   {"v":1,"domain":"<domain>","source":"<repo>/<target>","text":"<lesson>","time":"<ISO-8601>"}
/// Readers skip lines that do not parse, are not objects or have no string "text" (a torn
/// line, a line of a future version they cannot read), so the file only ever grows by lines.
/// A writer that finds the file not ending in "\n" (a writer killed mid-line) starts its
/// line with "\n", so the torn line never swallows a whole one.
class LearningPool {
 public:
  explicit LearningPool(std::filesystem::path file) : m_file(std::move(file)) {}

  /// `learnings.jsonl` in user_config_dir() (util/user_config_dir.h).
  static LearningPool for_user();

  Result<void> add(const Learning& learning);
  /// Up to `k` learnings most similar to `query` (TF-IDF cosine), best first; learnings of
  /// another domain count `domain_penalty` times their similarity (0 excludes them), so an
  /// unrelated target's lesson ranks below an equally similar one of this domain.
  Result<std::vector<PooledLearning>> relevant(std::string_view domain, std::string_view query, size_t k,
                                               double domain_penalty = 0.5) const;
  /// The same by the cosine of the texts' embeddings; an error when `embed` fails.
  Result<std::vector<PooledLearning>> relevant(const Embed& embed, std::string_view domain, std::string_view query,
                                               size_t k, double domain_penalty = 0.5) const;
  const std::filesystem::path& file() const { return m_file; }

 private:
  Result<std::vector<PooledLearning>> ranked(
      std::string_view domain, size_t k, double domain_penalty,
      const std::function<Result<std::vector<Match>>(const std::vector<Learning>&)>& rank) const;

  std::filesystem::path m_file;
};

/// The prompt's line for a retrieved lesson, naming where it came from:
///   - from target `pages` of project `site` (domain docs): TEXT
///   - from target `queries` of project `shop` (domain sql, not docs: weighted ×0.5): TEXT
/// `domain` is the asking target's; `source` is split at its first "/" (a repository's
/// directory name has none), and shown whole when it has none.
std::string format_pooled(const PooledLearning& pooled, std::string_view domain, double domain_penalty);

}  // namespace anneal::knowledge
