#include "cli/record_lookup.h"

#include <algorithm>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "graph/ledger.h"

namespace anneal::cli {

namespace fs = std::filesystem;

namespace {

/// `TARGET#N` or `#N`: the experiment N of that target's current run.
Result<std::vector<FoundRecord>> find_numbered(Project& project, const std::string& name) {
  size_t hash = name.find('#');
  std::string target = name.substr(0, hash);
  std::string number = name.substr(hash + 1);
  if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos || number.size() > 9)
    return fail(fmt::format("'{}' is not an experiment: write TARGET#N, e.g. {}#3", name,
                            target.empty() ? "latency" : target));
  if (target.empty()) {
    if (project.annealfile.targets.size() != 1)
      return fail(fmt::format("'{}' needs a target: the Annealfile has {} (write TARGET{})", name,
                              project.annealfile.targets.size(), name));
    target = project.annealfile.targets.front().name;
  }
  auto records = current_run(project, target);  // an unknown target fails here, listing the known ones
  if (!records)
    return std::unexpected(records.error());
  int id = std::stoi(number);
  std::vector<FoundRecord> found;
  for (auto it = records->rbegin(); it != records->rend() && found.empty(); ++it)
    if (it->value("id", -1) == id)
      found.push_back({target, *it});
  // The latest attempt (above) answers; the last record may be an earlier number run again.
  int highest = 0;
  for (const auto& r : *records)
    highest = std::max(highest, r.value("id", 0));
  if (found.empty())
    return fail(records->empty() ? fmt::format("target '{}' has no experiments yet", target)
                                 : fmt::format("target '{}' has no experiment #{} (its run has #0 to #{})", target, id,
                                               highest));
  return found;
}

}  // namespace

Result<std::vector<FoundRecord>> find_records(Project& project, const std::string& prefix) {
  if (prefix.find('#') != std::string::npos)
    return find_numbered(project, prefix);
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
      if (!r.value("key", "").starts_with(prefix) && (commit.empty() || !commit.starts_with(prefix)))
        continue;
      // Attempts of one experiment decided alike share its key: the latest one answers.
      auto same = std::find_if(found.begin(), found.end(), [&](const FoundRecord& f) {
        return f.target == target.name && f.record.value("id", -1) == r.value("id", -2) &&
               f.record.value("key", "") == r.value("key", "");
      });
      if (same != found.end())
        same->record = r;
      else
        found.push_back({target.name, r});
    }
  }
  return found;
}

Result<FoundRecord> find_experiment(Project& project, const std::string& name) {
  auto found = find_records(project, name);
  if (!found)
    return std::unexpected(found.error());
  if (found->empty())
    return fail(fmt::format("no experiment matches '{}' (write TARGET#N, or a key or commit prefix)", name));
  if (found->size() > 1)
    return fail(fmt::format("'{}' is ambiguous: it names {} experiments; give more digits", name, found->size()));
  return found->front();
}

std::vector<cache::Digest> find_nodes(Project& project, const std::string& prefix) {
  std::vector<cache::Digest> keys;
  if (prefix.size() < 2)
    return keys;
  fs::path dir = project.workspace.anneal_dir() / "specs" / prefix.substr(0, 2);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().stem().string();
    if (entry.path().extension() == ".json" && name.starts_with(prefix))  // not a .died note
      if (auto key = cache::Digest::from_hex(name))
        keys.push_back(*key);
  }
  return keys;
}

}  // namespace anneal::cli
