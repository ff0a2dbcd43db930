#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/types.h>

#include <nlohmann/json.hpp>

#include "graph/ledger_chain.h"
#include "proc/unique_fd.h"
#include "util/error.h"

namespace anneal::graph {

// Ledger format, version 4: .anneal/targets/<name>/experiments.jsonl
//
//   ledger := record*
//   record := JSON object on one line, terminated by "\n"
//
// A record is an experiment's, unless it has a "record" field naming another kind (version 4):
//   "record": "deploy"   a step of a candidate's deployment (graph/deploy_record.h)
// Readers of experiments (last, recent, generation, generations) never see the other kinds;
// records_of(KIND) reads them. Lines of every kind are in one chain, so a forged approval is
// found like a forged experiment.
//
// Records are appended, one per attempt of an experiment, in the order they finish (an
// experiment that did not finish is run again later under its number: retry_plan.h gives its
// "attempt" and "unfinished" fields, and the "planned"/"unfinished" of "state"); nothing is
// rewritten, except that a torn last line (no newline, or not valid JSON — a write cut
// short by a crash) is cut off when the ledger is next opened. Record fields:
//
//   "v": 3 (1 and 2 in lines of those formats), "id": N (0 = the baseline), "key": HEX (the experiment's decide node),
//   "config": HEX (the target's config digest), "baseline": SHA, "outcome": OUTCOME,
//   "score": X|null, "scores": {STAGE: X}, "commit": SHA|null, "parent": SHA,
//   "hypothesis": TEXT, "violations": [{"path","reason"}], "detail": TEXT,
//   "decision": {"accept","reason","probability"}, "state": {...} (search and incumbent
//   state after this experiment), "cost_usd": X, "duration_s": X, "time": ISO-8601 UTC,
//   "cached": [HEX] (the experiment's nodes whose results were in the cache, local or remote,
//   when its build reached them, so it did not run them; absent in records written before),
//   "failure": {"category": CATEGORY, "by": "rules"|AGENT, "rule": CATEGORY, "reason": TEXT}
//   (why an experiment that was not kept failed, graph/failure_category.h: "by" says who
//   classified it — the built-in rules or the taxonomy agent AGENT, which also gives the
//   rules' "rule" and its "reason"; absent for the baseline, kept experiments and records
//   written before, which readers classify by the rules),
//   "policy": {"version", "digest", "window", "event", "from"} (with `policy:`, the version of
//   the mutation instructions the experiment was given: graph/policy_version.h),
//   "judge": {...} (with a judge: nodes/judge_decision.h, JudgeScores::to_json, and its
//   "test": the paired test's record {"name": "wilcoxon"|"cohen-d"|"betting"|"none", "n",
//   "p", "level", ...})
//
// Version 4 adds the "record" field and the kinds it names (above); an experiment's record is
// as in version 3.
//
// Version 3 adds, with judge.test.sequential (graph/sequential_judging.h), the betting test's
// record: "judge"."test" = {"name": "betting", "n": pairs up to the stop, "e_value", "e_worse",
// "p", "level", "sequential": {"judged": samples judged, "of": samples there are,
// "stop": "better"|"worse"|"unreachable"|"exhausted"|"continue", "batch": B}}. Lines without
// it were judged on every sample.
//
// Version 2 adds, in front of every line, "seq" and "chain" (graph/ledger_chain.h): the ledger
// is written only by anneal, and a line that does not follow the chain — forged, edited,
// duplicated, or after a deleted one — is reported as `PATH:LINE: warning: …` on stderr (once
// per process) and is not believed: readers skip it, and the next record chains from the last
// believed one. Readers never return "seq" and "chain". A format-1 ledger reads as before; its
// lines are believed unchecked, and the first record appended starts the chain (seq 1). The
// chain is checked in full on the first read of a Ledger, then only the bytes appended since:
// what changes before them while a Ledger is open is seen by the next one. What the chain does
// and does not guarantee: README.md, "Trust model".
//
// Appends are serialised by an flock(2) on the file, held while the chain's end is read and
// the line written, so a build and `anneal approve` may append at the same time; open()'s
// repair of a torn last line takes it too.
//
// Durability: a record appended with Sync::Now is on disk (fdatasync) before append returns,
// with every deferred record before it. A deferred record (Sync::Deferred: an experiment whose
// nodes were all cached) is written at once, so a killed build keeps it, but reaches the disk
// only with the next synced append, sync() or the ledger's destruction: a crash of the machine
// may lose such a tail, which the next build replays from the cache.
//
// A record with id 0 starts a generation: when the target's configuration changes, its
// experiments are replayed from the baseline (cached nodes are reused) and appended anew.
// Readers take the current generation: the believed records after the last id-0 record.

inline constexpr int k_ledger_version = 4;

class Ledger {
 public:
  /// When an appended record must be on disk.
  enum class Sync { Now, Deferred };

  /// Opens (creating its folder) and recovers a torn last line. The file is created lazily.
  static Result<Ledger> open(const std::filesystem::path& path);
  /// Opens for reading only: creates nothing and repairs nothing, for a reader that runs
  /// beside a build (the dashboard), where an unterminated last line is a record being
  /// written. Readers skip such a line until it is complete. Never append to it.
  static Ledger open_for_reading(const std::filesystem::path& path) { return Ledger(path); }

  /// The last record, read from the end of the file: cost independent of the ledger's size.
  Result<std::optional<nlohmann::json>> last() const;
  /// The current generation's records, oldest first.
  Result<std::vector<nlohmann::json>> generation() const;
  /// Every generation's records, oldest generation first, each oldest first (the last one is
  /// generation()). Believed records before the first id-0 record form a generation of their own.
  Result<std::vector<std::vector<nlohmann::json>>> generations() const;
  /// The current generation's last `count` records, oldest first.
  Result<std::vector<nlohmann::json>> recent(size_t count) const;
  /// Every believed record of `kind` (the "record" field of version 4, e.g. "deploy"), of
  /// every generation, oldest first.
  Result<std::vector<nlohmann::json>> records_of(std::string_view kind) const;
  /// Appends one record (one write). Sync::Now also syncs it, and any deferred records
  /// before it, to disk; Sync::Deferred leaves that to a later append, sync() or the
  /// destructor.
  Result<void> append(const nlohmann::json& record, Sync sync = Sync::Now);
  /// Syncs the deferred records to disk (nothing to do when there are none).
  Result<void> sync();
  /// The lines not believed, as `PATH:LINE: warning: …`, in file order (each is also printed
  /// to stderr, once per process).
  Result<std::vector<std::string>> warnings() const;

  const std::filesystem::path& path() const { return m_path; }

 private:
  explicit Ledger(std::filesystem::path path) : m_path(std::move(path)) {}
  /// The believed records of `kind` ("": experiments) from the end of the file backwards,
  /// newest first, until `keep` says stop.
  template <class Keep>
  Result<void> scan_backwards(Keep&& keep, std::string_view kind = {}) const;
  /// Brings `m_checked` up to the file's end: judges the complete lines not judged yet.
  Result<void> check() const;
  /// How far the chain has been checked.
  struct Checked {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;    ///< bytes judged: whole lines
    size_t lines = 0;  ///< lines in them
    ChainVerifier verifier;
    std::vector<off_t> rejected;  ///< where each line not believed starts, ascending
    std::vector<std::string> warnings;
  };
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
  mutable Checked m_checked;
};

}  // namespace anneal::graph
