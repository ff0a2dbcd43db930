#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace anneal::graph {

// Ledger format, version 1: .anneal/targets/<name>/experiments.jsonl
//
//   ledger := record*
//   record := JSON object on one line, terminated by "\n"
//
// Records are appended, one per experiment, in the order experiments finish; nothing is
// rewritten, except that a torn last line (no newline, or not valid JSON — a write cut
// short by a crash) is cut off when the ledger is next opened. Record fields (version 1):
//
//   "v": 1, "id": N (0 = the baseline), "key": HEX (the experiment's decide node),
//   "config": HEX (the target's config digest), "baseline": SHA, "outcome": OUTCOME,
//   "score": X|null, "scores": {STAGE: X}, "commit": SHA|null, "parent": SHA,
//   "hypothesis": TEXT, "violations": [{"path","reason"}], "detail": TEXT,
//   "decision": {"accept","reason","probability"}, "state": {...} (search and incumbent
//   state after this experiment), "cost_usd": X, "duration_s": X, "time": ISO-8601 UTC
//
// A record with id 0 starts a generation: when the target's configuration changes, its
// experiments are replayed from the baseline (cached nodes are reused) and appended anew.
// Readers take the current generation: the records after the last id-0 record.

inline constexpr int k_ledger_version = 1;

class Ledger {
 public:
  /// Opens (creating its folder) and recovers a torn last line. The file is created lazily.
  static Result<Ledger> open(const std::filesystem::path& path);

  /// The last record, read from the end of the file: cost independent of the ledger's size.
  Result<std::optional<nlohmann::json>> last() const;
  /// The current generation's records, oldest first.
  Result<std::vector<nlohmann::json>> generation() const;
  /// The current generation's last `count` records, oldest first.
  Result<std::vector<nlohmann::json>> recent(size_t count) const;
  /// Appends one record and syncs it to disk.
  Result<void> append(const nlohmann::json& record);

  const std::filesystem::path& path() const { return m_path; }

 private:
  explicit Ledger(std::filesystem::path path) : m_path(std::move(path)) {}
  /// Complete lines from the end of the file backwards, newest first, until `keep` says stop.
  template <class Keep>
  Result<void> scan_backwards(Keep&& keep) const;
  std::filesystem::path m_path;
};

}  // namespace anneal::graph
