#include "graph/running_node.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "proc/host_name.h"
#include "util/file.h"
#include "util/json_text.h"

namespace anneal::graph {

namespace {

constexpr int k_running_version = 1;

std::filesystem::path running_path(const Workspace& workspace, const cache::Digest& key) {
  return workspace.anneal_dir() / "running" / key.hex();
}

int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

RunningMark::RunningMark(const Workspace& workspace, const cache::Digest& key) : m_path(running_path(workspace, key)) {
  std::error_code ec;
  std::filesystem::remove(live_output_path(workspace, key), ec);  // an earlier run's
  if (!make_dirs(m_path.parent_path())) {
    m_path.clear();
    return;
  }
  nlohmann::json mark = {
      {"v", k_running_version}, {"pid", ::getpid()}, {"host", proc::host_name()},
      {"started", unix_ms(std::chrono::system_clock::now())}};
  if (!write_file_atomic(m_path, dump_json(mark) + "\n", Durability::Unsynced))
    m_path.clear();
}

RunningMark::~RunningMark() {
  std::error_code ec;
  if (!m_path.empty())
    std::filesystem::remove(m_path, ec);
}

void mark_step(const Workspace& workspace, const cache::Digest& key, int step, int steps) {
  std::filesystem::path path = running_path(workspace, key);
  auto text = read_file_if_exists(path);
  if (!text)
    return;
  nlohmann::json mark = nlohmann::json::parse(*text, nullptr, false);
  if (!mark.is_object())
    return;
  mark["step"] = step;
  mark["steps"] = steps;
  (void)write_file_atomic(path, dump_json(mark) + "\n", Durability::Unsynced);
}

std::optional<RunningNode> running_node(const Workspace& workspace, const cache::Digest& key) {
  auto text = read_file_if_exists(running_path(workspace, key));
  if (!text)
    return std::nullopt;
  nlohmann::json mark = nlohmann::json::parse(*text, nullptr, false);
  if (!mark.is_object() || mark.value("v", 0) != k_running_version ||
      !mark.value("pid", nlohmann::json()).is_number_integer() ||
      !mark.value("started", nlohmann::json()).is_number_integer())
    return std::nullopt;
  RunningNode node;
  node.pid = mark.at("pid").get<int>();
  bool here = !mark.value("host", nlohmann::json()).is_string() || mark.at("host").get<std::string>() == proc::host_name();
  if (node.pid <= 0 || (here && ::kill(node.pid, 0) != 0 && errno != EPERM))
    return std::nullopt;
  node.started = std::chrono::system_clock::time_point(std::chrono::milliseconds(mark.at("started").get<int64_t>()));
  if (mark.value("step", nlohmann::json()).is_number_integer() && mark.value("steps", nlohmann::json()).is_number_integer()) {
    node.step = mark.at("step").get<int>();
    node.steps = mark.at("steps").get<int>();
  }
  return node;
}

std::filesystem::path live_output_path(const Workspace& workspace, const cache::Digest& key) {
  return workspace.anneal_dir() / "running" / (key.hex() + ".out");
}

}  // namespace anneal::graph
