#include "cli/record_lookup.h"

#include <filesystem>

#include "graph/ledger.h"

namespace anneal::cli {

namespace fs = std::filesystem;

Result<std::vector<FoundRecord>> find_records(Project& project, const std::string& prefix) {
  std::vector<FoundRecord> found;
  for (const auto& target : project.annealfile.targets) {
    auto ledger = graph::Ledger::open(project.workspace.ledger_path(target.name));
    if (!ledger)
      return std::unexpected(ledger.error());
    auto records = ledger->generation();
    if (!records)
      return std::unexpected(records.error());
    for (const auto& r : *records) {
      std::string commit = r.value("commit", nlohmann::json()).is_string() ? r.at("commit").get<std::string>() : "";
      if (r.value("key", "").starts_with(prefix) || (!commit.empty() && commit.starts_with(prefix)))
        found.push_back({target.name, r});
    }
  }
  return found;
}

std::vector<cache::Digest> find_nodes(Project& project, const std::string& prefix) {
  std::vector<cache::Digest> keys;
  if (prefix.size() < 2)
    return keys;
  fs::path dir = project.workspace.anneal_dir() / "specs" / prefix.substr(0, 2);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().stem().string();
    if (name.starts_with(prefix))
      if (auto key = cache::Digest::from_hex(name))
        keys.push_back(*key);
  }
  return keys;
}

}  // namespace anneal::cli
