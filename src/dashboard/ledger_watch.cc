#include "dashboard/ledger_watch.h"

#include <sys/stat.h>

#include "util/json_text.h"

namespace anneal::dashboard {

namespace fs = std::filesystem;

LedgerWatch::LedgerWatch(fs::path targets_dir, Shape shape, EventHub& hub, std::mutex& library)
    : m_targets_dir(std::move(targets_dir)), m_shape(std::move(shape)), m_hub(hub), m_library(library) {}

void LedgerWatch::poll() {
  std::map<std::string, Seen> now;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(m_targets_dir, ec)) {
    fs::path path = entry.path() / "experiments.jsonl";
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    std::string target = entry.path().filename().string();
    auto it = m_seen.find(target);
    Seen seen = it != m_seen.end() ? std::move(it->second) : Seen{};
    bool moved = st.st_ino != seen.inode || st.st_size != seen.size || st.st_mtim.tv_sec != seen.mtime.tv_sec ||
                 st.st_mtim.tv_nsec != seen.mtime.tv_nsec;
    if (moved) {
      if (st.st_ino != seen.inode)
        seen = Seen{};  // another file (anneal clean, a copied artifact): read it from the start
      seen.inode = st.st_ino;
      seen.size = st.st_size;
      seen.mtime = st.st_mtim;
      read(target, path, seen);
    }
    now[target] = std::move(seen);
  }
  m_seen = std::move(now);
  m_started = true;
}

void LedgerWatch::read(const std::string& target, const fs::path& path, Seen& seen) {
  std::lock_guard lock(m_library);
  if (!seen.ledger)
    seen.ledger = graph::Ledger::open_for_reading(path);
  auto records = seen.ledger->generation();
  if (!records)
    return;
  std::string first = records->empty() ? "" : dump_json(records->front());
  size_t from = seen.records;
  if (first != seen.first || records->size() < seen.records)
    from = 0;  // a new generation
  seen.first = std::move(first);
  seen.records = records->size();
  if (!m_started)
    return;
  for (size_t i = from; i < records->size(); ++i) {
    const nlohmann::json& r = (*records)[i];
    m_hub.publish(dump_json({{"target", target}, {"id", r.value("id", 0)}, {"record", m_shape(r)}}));
  }
}

}  // namespace anneal::dashboard
