#include "proc/slurm_job_files.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "proc/host_name.h"
#include "proc/slurm_client.h"
#include "util/file.h"

namespace anneal::proc {

namespace fs = std::filesystem;

namespace {

/// Whether process `pid` runs (a zombie, killed but not yet reaped, does not).
bool alive(long pid) {
  if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH))
    return false;
  auto stat = read_file_if_exists("/proc/" + std::to_string(pid) + "/stat");
  size_t after_name = stat ? stat->rfind(") ") : std::string::npos;
  return after_name == std::string::npos || stat->compare(after_name + 2, 1, "Z") != 0;
}

/// The "name value" lines of a record.
std::map<std::string, std::string> fields_of(const std::string& text) {
  std::map<std::string, std::string> fields;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = std::min(text.find('\n', pos), text.size());
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (size_t space = line.find(' '); space != std::string::npos)
      fields[line.substr(0, space)] = line.substr(space + 1);
  }
  return fields;
}

long number(const std::string& text) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() ? value : 0;
}

}  // namespace

Result<void> record_slurm_job(const fs::path& dir, long job_id, int build_pid, const std::string& key) {
  if (auto made = make_dirs(dir); !made)
    return made;
  std::string text =
      fmt::format("v 1\npid {}\nbuild {}\nhost {}\nnode {}\n", ::getpid(), build_pid, host_name(), key);
  return write_file_atomic(dir / std::to_string(job_id), text, Durability::Unsynced);
}

void forget_slurm_job(const fs::path& dir, long job_id) {
  std::error_code ec;
  fs::remove(dir / std::to_string(job_id), ec);
}

std::vector<long> orphaned_slurm_jobs(const fs::path& dir) {
  std::vector<long> orphans;
  std::error_code ec;
  std::string host = host_name();
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    long id = number(entry.path().filename().string());
    auto text = read_file_if_exists(entry.path());
    if (id <= 0 || !text)
      continue;
    auto fields = fields_of(*text);
    if (fields["v"] != "1" || fields["host"] != host)
      continue;
    if (alive(number(fields["pid"])) && alive(number(fields["build"])))
      continue;
    orphans.push_back(id);
  }
  std::sort(orphans.begin(), orphans.end());
  return orphans;
}

Result<std::vector<long>> cancel_orphaned_slurm_jobs(const fs::path& dir) {
  std::vector<long> orphans = orphaned_slurm_jobs(dir);
  if (auto cancelled = scancel(orphans); !cancelled)
    return std::unexpected(cancelled.error());
  for (long id : orphans)
    forget_slurm_job(dir, id);
  return orphans;
}

}  // namespace anneal::proc
