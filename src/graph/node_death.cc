#include "graph/node_death.h"

#include <nlohmann/json.hpp>

#include "util/file.h"
#include "util/json_text.h"
#include "util/secrets.h"

namespace anneal::graph {

namespace {

constexpr int k_death_version = 1;

std::filesystem::path death_path(const Workspace& workspace, const cache::Digest& key) {
  std::filesystem::path path = workspace.spec_path(key);
  path.replace_extension(".died");
  return path;
}

}  // namespace

Result<void> record_node_death(const Workspace& workspace, const cache::Digest& key, const NodeDeath& death) {
  std::filesystem::path path = death_path(workspace, key);
  if (auto made = make_dirs(path.parent_path()); !made)
    return made;
  nlohmann::json note = {
      {"v", k_death_version}, {"signal", death.signal}, {"time", death.time}, {"output", redact(death.output)}};
  return write_file_atomic(path, dump_json(note) + "\n", Durability::Unsynced);
}

std::optional<NodeDeath> node_death(const Workspace& workspace, const cache::Digest& key) {
  auto text = read_file_if_exists(death_path(workspace, key));
  if (!text)
    return std::nullopt;
  nlohmann::json note = nlohmann::json::parse(*text, nullptr, false);
  if (!note.is_object() || note.value("v", 0) != k_death_version || !note.value("signal", nlohmann::json()).is_number_integer())
    return std::nullopt;
  NodeDeath death;
  death.signal = note.at("signal").get<int>();
  if (note.value("time", nlohmann::json()).is_string())
    death.time = note.at("time").get<std::string>();
  if (note.value("output", nlohmann::json()).is_string())
    death.output = note.at("output").get<std::string>();
  return death;
}

void forget_node_death(const Workspace& workspace, const cache::Digest& key) {
  std::error_code ec;
  std::filesystem::remove(death_path(workspace, key), ec);
}

}  // namespace anneal::graph
