#pragma once

#include <sys/types.h>

#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "dashboard/event_hub.h"
#include "graph/ledger.h"

namespace anneal::dashboard {

/// Watches the ledgers (.anneal/targets/NAME/experiments.jsonl) and publishes each record
/// appended to one as an event whose data is
///
///   {"target": NAME, "id": N, "record": RECORD}
///
/// with RECORD as `anneal history NAME --json` lists it (`shape`). It polls: one readdir and
/// one stat per ledger, and reads a ledger only when its size, inode or mtime moved. Polling,
/// not inotify, so it sees a ledger on any file system (a CI artifact on NFS, a bind mount).
/// A new generation (a replay from the baseline) publishes its records from #0 again.
class LedgerWatch {
 public:
  using Shape = std::function<nlohmann::json(const nlohmann::json& record)>;

  /// `library` is held while ledgers are read (anneal's readers are not made to be shared
  /// between threads).
  LedgerWatch(std::filesystem::path targets_dir, Shape shape, EventHub& hub, std::mutex& library);

  /// Looks once. The first call only notes where each ledger stands: what a page loads
  /// through the API is not sent again.
  void poll();

 private:
  struct Seen {
    ino_t inode = 0;
    off_t size = 0;
    timespec mtime{};
    size_t records = 0;  ///< of the current generation, published or noted
    std::string first;   ///< the generation's first record (its #0), to see a new one
    std::optional<graph::Ledger> ledger;  ///< kept open: its chain check goes on from where it was
  };
  void read(const std::string& target, const std::filesystem::path& path, Seen& seen);

  std::filesystem::path m_targets_dir;
  Shape m_shape;
  EventHub& m_hub;
  std::mutex& m_library;
  std::map<std::string, Seen> m_seen;
  bool m_started = false;
};

}  // namespace anneal::dashboard
