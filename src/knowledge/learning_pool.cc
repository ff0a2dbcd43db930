#include "knowledge/learning_pool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "knowledge/tfidf_index.h"
#include "util/file.h"
#include "util/json_text.h"
#include "util/user_config_dir.h"

namespace anneal::knowledge {

namespace {

constexpr int k_format_version = 1;

/// An open file descriptor holding a flock, both released on destruction (closing the
/// descriptor drops the lock).
class LockedFd {
 public:
  LockedFd() = default;
  explicit LockedFd(int fd) : m_fd(fd) {}
  LockedFd(LockedFd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  LockedFd& operator=(LockedFd&&) = delete;
  LockedFd(const LockedFd&) = delete;
  LockedFd& operator=(const LockedFd&) = delete;
  ~LockedFd() {
    if (m_fd >= 0)
      ::close(m_fd);
  }
  int get() const { return m_fd; }

 private:
  int m_fd = -1;
};

std::string errno_text() {
  return std::strerror(errno);
}

/// Opens `path` with `flags` and takes `lock` (LOCK_SH or LOCK_EX), waiting for it.
Result<LockedFd> open_locked(const std::filesystem::path& path, int flags, int lock) {
  int raw;
  do
    raw = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  while (raw < 0 && errno == EINTR);
  if (raw < 0)
    return fail(fmt::format("cannot open the learning pool {}: {}", path.string(), errno_text()));
  LockedFd fd(raw);
  int rc;
  do
    rc = ::flock(fd.get(), lock);
  while (rc < 0 && errno == EINTR);
  if (rc < 0)
    return fail(fmt::format("cannot lock the learning pool {}: {}", path.string(), errno_text()));
  return fd;
}

Result<void> write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail(fmt::format("cannot append to the learning pool {}: {}", path.string(), errno_text()));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

/// Whether the file's last byte is something other than "\n" (a line a killed writer left
/// unfinished).
bool ends_mid_line(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size == 0)
    return false;
  char last = '\n';
  return ::pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n';
}

Result<std::string> read_all(int fd, const std::filesystem::path& path) {
  std::string contents;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail(fmt::format("cannot read the learning pool {}: {}", path.string(), errno_text()));
    if (n == 0)
      return contents;
    contents.append(buffer, static_cast<size_t>(n));
  }
}

std::string string_field(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// The learnings in `contents`, in file order, leaving out lines that are not whole records.
std::vector<Learning> parse_learnings(std::string_view contents) {
  std::vector<Learning> learnings;
  while (!contents.empty()) {
    size_t end = contents.find('\n');
    std::string_view line = contents.substr(0, end);
    contents.remove_prefix(end == std::string_view::npos ? contents.size() : end + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos)
      continue;
    nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object())
      continue;
    auto text = record.find("text");
    if (text == record.end() || !text->is_string())
      continue;
    learnings.push_back(Learning{string_field(record, "domain"), string_field(record, "source"),
                                 text->get<std::string>(), string_field(record, "time")});
  }
  return learnings;
}

}  // namespace

LearningPool LearningPool::for_user() {
  return LearningPool(user_config_dir() / "learnings.jsonl");
}

Result<void> LearningPool::add(const Learning& learning) {
  if (m_file.has_parent_path())
    if (auto made = make_dirs(m_file.parent_path()); !made)
      return made;
  nlohmann::json record = {{"v", k_format_version},
                           {"domain", learning.domain},
                           {"source", learning.source},
                           {"text", learning.text},
                           {"time", learning.time}};
  std::string line = dump_json(record) + "\n";  // dump escapes newlines: one record, one line

  auto fd = open_locked(m_file, O_RDWR | O_APPEND | O_CREAT, LOCK_EX);
  if (!fd)
    return std::unexpected(fd.error());
  if (ends_mid_line(fd->get()))
    line.insert(line.begin(), '\n');
  return write_all(fd->get(), line, m_file);
}

Result<std::vector<PooledLearning>> LearningPool::relevant(std::string_view domain, std::string_view query,
                                                           size_t k, double cross_domain_penalty) const {
  std::vector<PooledLearning> found;
  if (k == 0)
    return found;
  std::string contents;
  {
    std::error_code ec;
    if (!std::filesystem::exists(m_file, ec))
      return found;  // nothing learned yet on this machine
    auto fd = open_locked(m_file, O_RDONLY, LOCK_SH);
    if (!fd)
      return std::unexpected(fd.error());
    auto read = read_all(fd->get(), m_file);
    if (!read)
      return std::unexpected(read.error());
    contents = std::move(*read);
  }

  std::vector<Learning> learnings = parse_learnings(contents);
  TfIdfIndex index;
  for (const Learning& learning : learnings)
    index.add(learning.text);
  double penalty = std::max(cross_domain_penalty, 0.0);
  for (const Match& match : index.query(query, learnings.size())) {
    const Learning& learning = learnings[match.id];
    double score = match.score * (learning.domain == domain ? 1.0 : penalty);
    if (score > 0)
      found.push_back(PooledLearning{learning, score});
  }
  // Best first; among equals, the earlier line (the index already returned them that way).
  std::stable_sort(found.begin(), found.end(),
                   [](const PooledLearning& a, const PooledLearning& b) { return a.score > b.score; });
  if (found.size() > k)
    found.resize(k);
  return found;
}

}  // namespace anneal::knowledge
