#include "cli/build_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "proc/lock_file.h"
#include "util/clock_text.h"
#include "util/file.h"

namespace anneal::cli {

namespace fs = std::filesystem;

namespace {

fs::path logs_dir(const graph::Workspace& workspace) { return workspace.anneal_dir() / "logs"; }

fs::path with_extension(const fs::path& log, const char* extension) {
  fs::path path = log;
  path.replace_extension(extension);
  return path;
}

/// The order of build-<time>[-N].log names: by time, then by N (no N: 1).
std::pair<std::string, int> start_order(const fs::path& log) {
  std::string stem = log.stem().string().substr(6);  // after "build-"
  size_t dash = stem.find('-');
  int number = dash == std::string::npos ? 1 : std::atoi(stem.c_str() + dash + 1);
  return {stem.substr(0, dash), number};
}

}  // namespace

fs::path BuildLog::meta() const { return with_extension(log, ".json"); }
fs::path BuildLog::lock() const { return with_extension(log, ".lock"); }

nlohmann::json BuildLog::read_meta() const {
  auto text = read_file_if_exists(meta());
  if (!text)
    return nlohmann::json::object();
  nlohmann::json meta = nlohmann::json::parse(*text, nullptr, false);
  return meta.is_object() ? meta : nlohmann::json::object();
}

Result<void> BuildLog::write_meta(const nlohmann::json& meta) const {
  return write_file_atomic(this->meta(), meta.dump() + "\n", Durability::Unsynced);
}

bool BuildLog::running() const { return proc::LockFile::holder(lock()).has_value(); }

void BuildLog::remove() const {
  std::error_code ec;
  for (const fs::path& path : {log, meta(), lock()})
    fs::remove(path, ec);
}

Result<BuildLog> create_build_log(const graph::Workspace& workspace) {
  fs::path dir = logs_dir(workspace);
  if (auto made = make_dirs(dir); !made)
    return std::unexpected(made.error());
  std::string time = now_utc_compact();
  for (int number = 1;; ++number) {
    fs::path path = dir / (number == 1 ? fmt::format("build-{}.log", time) : fmt::format("build-{}-{}.log", time, number));
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(fd);
      return BuildLog{path};
    }
    if (errno != EEXIST)
      return fail(fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
  }
}

std::vector<BuildLog> build_logs(const graph::Workspace& workspace) {
  std::vector<BuildLog> logs;
  std::error_code ec;
  for (fs::directory_iterator it(logs_dir(workspace), ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.starts_with("build-") && it->path().extension() == ".log" && fs::exists(with_extension(it->path(), ".json")))
      logs.push_back(BuildLog{it->path()});
  }
  std::sort(logs.begin(), logs.end(),
            [](const BuildLog& a, const BuildLog& b) { return start_order(a.log) > start_order(b.log); });
  return logs;
}

std::optional<BuildLog> newest_build_log(const graph::Workspace& workspace, const std::string& target) {
  for (const BuildLog& log : build_logs(workspace)) {
    if (target.empty())
      return log;
    nlohmann::json targets = log.read_meta().value("targets", nlohmann::json::array());
    if (targets.is_array() && std::find(targets.begin(), targets.end(), target) != targets.end())
      return log;
  }
  return std::nullopt;
}

}  // namespace anneal::cli
