#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

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
  double score = 0;  ///< TF-IDF cosine × (1 for the same domain, else the penalty)
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
  /// Up to `k` learnings most similar to `query`, best first; learnings of another domain
  /// count `cross_domain_penalty` times their similarity (0 excludes them).
  Result<std::vector<PooledLearning>> relevant(std::string_view domain, std::string_view query, size_t k,
                                               double cross_domain_penalty = 0.5) const;
  const std::filesystem::path& file() const { return m_file; }

 private:
  std::filesystem::path m_file;
};

}  // namespace anneal::knowledge
