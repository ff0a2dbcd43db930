#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "proc/unique_fd.h"
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
// Durability: a record appended with Sync::Now is on disk (fdatasync) before append returns,
// with every deferred record before it. A deferred record (Sync::Deferred: an experiment whose
// nodes were all cached) is written at once, so a killed build keeps it, but reaches the disk
// only with the next synced append, sync() or the ledger's destruction: a crash of the machine
// may lose such a tail, which the next build replays from the cache.
//
// A record with id 0 starts a generation: when the target's configuration changes, its
// experiments are replayed from the baseline (cached nodes are reused) and appended anew.
// Readers take the current generation: the records after the last id-0 record.

inline constexpr int k_ledger_version = 1;

class Ledger {
 public:
  /// When an appended record must be on disk.
  enum class Sync { Now, Deferred };

  /// Opens (creating its folder) and recovers a torn last line. The file is created lazily.
  static Result<Ledger> open(const std::filesystem::path& path);

  /// The last record, read from the end of the file: cost independent of the ledger's size.
  Result<std::optional<nlohmann::json>> last() const;
  /// The current generation's records, oldest first.
  Result<std::vector<nlohmann::json>> generation() const;
  /// The current generation's last `count` records, oldest first.
  Result<std::vector<nlohmann::json>> recent(size_t count) const;
  /// Appends one record (one write). Sync::Now also syncs it, and any deferred records
  /// before it, to disk; Sync::Deferred leaves that to a later append, sync() or the
  /// destructor.
  Result<void> append(const nlohmann::json& record, Sync sync = Sync::Now);
  /// Syncs the deferred records to disk (nothing to do when there are none).
  Result<void> sync();

  const std::filesystem::path& path() const { return m_path; }

 private:
  explicit Ledger(std::filesystem::path path) : m_path(std::move(path)) {}
  /// Complete lines from the end of the file backwards, newest first, until `keep` says stop.
  template <class Keep>
  Result<void> scan_backwards(Keep&& keep) const;
  /// The file appends go to, kept open between them; syncs what is still unsynced when the
  /// ledger goes away.
  struct Appender {
    proc::UniqueFd fd;
    bool unsynced = false;
    Appender() = default;
    Appender(Appender&& other) noexcept : fd(std::move(other.fd)), unsynced(std::exchange(other.unsynced, false)) {}
    Appender& operator=(Appender&& other) noexcept;
    ~Appender();
  };
  std::filesystem::path m_path;
  Appender m_appender;
};

}  // namespace anneal::graph
