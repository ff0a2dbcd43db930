#include "cli/running_build.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "cli/build_progress.h"
#include "util/clock_text.h"
#include "util/file.h"

namespace anneal::cli {

namespace fs = std::filesystem;

namespace {

fs::path record_path(const graph::Workspace& workspace, const std::string& target) {
  return workspace.target_dir(target) / "running.json";
}

}  // namespace

std::optional<RunningBuild> running_build(const graph::Workspace& workspace, const std::string& target) {
  auto holder = proc::LockFile::holder(workspace.lock_path(target));
  if (!holder)
    return std::nullopt;
  RunningBuild running;
  running.holder = *holder;
  if (auto since = parse_utc_iso(holder->since))
    running.elapsed_s = std::max(0.0, std::difftime(std::time(nullptr), *since));
  auto text = read_file_if_exists(record_path(workspace, target));
  nlohmann::json record = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
  // A record left by an earlier build (killed) is not this one's.
  if (record.is_object() && record.value("pid", 0) == holder->pid && holder->pid != 0) {
    if (record.contains("experiment") && record["experiment"].is_number_integer())
      running.experiment = record["experiment"].get<int>();
    running.budget = record.value("budget", 0);
    running.log = record.value("log", "");
  }
  return running;
}

nlohmann::json running_json(const RunningBuild& running) {
  return {{"pid", running.holder.pid},
          {"host", running.holder.host},
          {"since", running.holder.since},
          {"elapsed_s", running.elapsed_s},
          {"experiment", running.experiment ? nlohmann::json(*running.experiment) : nlohmann::json(nullptr)},
          {"budget", running.budget},
          {"detached", !running.log.empty()},
          {"log", running.log.empty() ? nlohmann::json(nullptr) : nlohmann::json(running.log)}};
}

std::string running_text(const RunningBuild& running, const std::string& target) {
  std::string what = "building";
  if (running.experiment)
    what += fmt::format("{} experiment {}/{}", *running.experiment == 0 ? " the baseline," : "", *running.experiment,
                        running.budget);
  std::string who = running.holder.pid == 0 ? running.holder.describe()
                                            : fmt::format("pid {} on {}, {}", running.holder.pid, running.holder.host,
                                                          elapsed_text(running.elapsed_s));
  std::string where = running.log.empty() ? "" : fmt::format("; in the background: anneal logs -f {}", target);
  return fmt::format("{} ({}{})", what, who, where);
}

RunningRecord::RunningRecord(const graph::Workspace& workspace, fs::path log) : m_ws(workspace), m_log(std::move(log)) {}

void RunningRecord::note(const graph::NodeBatch& batch) {
  if (batch.target.name == m_target && batch.experiment == m_experiment)
    return;
  m_target = batch.target.name;
  m_experiment = batch.experiment;
  nlohmann::json record = {{"v", 1}, {"pid", ::getpid()}, {"experiment", batch.experiment}, {"budget", batch.budget}};
  if (!m_log.empty())
    record["log"] = fs::relative(m_log, m_ws.root()).string();
  // Only what `anneal status` shows: a record that cannot be written shows less, nothing fails.
  (void)write_file_atomic(record_path(m_ws, m_target), record.dump() + "\n", Durability::Unsynced);
}

}  // namespace anneal::cli
