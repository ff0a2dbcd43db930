#include "llm/spend_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <optional>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/file.h"
#include "util/json_text.h"

namespace anneal::llm {

namespace {

constexpr int k_format_version = 1;

/// An open file descriptor, closed on scope exit (which also drops its flock).
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (m_fd >= 0)
      ::close(m_fd);
  }
  int get() const { return m_fd; }

 private:
  int m_fd;
};

std::string errno_text() {
  return std::strerror(errno);
}

Result<void> lock(const Fd& fd, int operation, const std::filesystem::path& file) {
  while (::flock(fd.get(), operation) != 0) {
    if (errno != EINTR)
      return fail(fmt::format("cannot lock {}: {}", file.string(), errno_text()));
  }
  return {};
}

bool is_day(std::string_view day) {
  if (day.size() != 10 || day[4] != '-' || day[7] != '-')
    return false;
  for (size_t i = 0; i < day.size(); ++i)
    if (i != 4 && i != 7 && (day[i] < '0' || day[i] > '9'))
      return false;
  return true;
}

/// Whether the file behind `fd` is empty or ends in a newline, so a new line can follow.
Result<bool> ends_cleanly(const Fd& fd, const std::filesystem::path& file) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return fail(fmt::format("cannot stat {}: {}", file.string(), errno_text()));
  if (st.st_size == 0)
    return true;
  char last = 0;
  ssize_t n;
  do {
    n = ::pread(fd.get(), &last, 1, st.st_size - 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1)
    return fail(fmt::format("cannot read {}: {}", file.string(), n < 0 ? errno_text() : "short read"));
  return last == '\n';
}

/// The whole file read under a shared lock, or nullopt when it does not exist.
Result<std::optional<std::string>> read_locked(const std::filesystem::path& file) {
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT)
      return std::optional<std::string>();
    return fail(fmt::format("cannot open {}: {}", file.string(), errno_text()));
  }
  if (auto locked = lock(fd, LOCK_SH, file); !locked)
    return std::unexpected(locked.error());
  std::string contents;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail(fmt::format("cannot read {}: {}", file.string(), errno_text()));
    if (n == 0)
      break;
    contents.append(buffer, static_cast<size_t>(n));
  }
  return std::optional<std::string>(std::move(contents));
}

/// The sum of the charges in `file` whose day is `day`, or of all of them when `day` is null.
Result<double> sum_charges(const std::filesystem::path& file, const std::string* day) {
  auto contents = read_locked(file);
  if (!contents)
    return std::unexpected(contents.error());
  if (!*contents)
    return 0.0;
  double sum = 0;
  std::string_view rest = **contents;
  while (!rest.empty()) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    // A torn or hand-edited line is skipped rather than failing every later budget check.
    nlohmann::json charge = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!charge.is_object())
      continue;
    auto day_member = charge.find("day");
    auto usd_member = charge.find("usd");
    if (day_member == charge.end() || !day_member->is_string() || usd_member == charge.end() ||
        !usd_member->is_number())
      continue;
    if (day && day_member->get_ref<const std::string&>() != *day)
      continue;
    double usd = usd_member->get<double>();
    if (std::isfinite(usd))
      sum += usd;
  }
  return sum;
}

}  // namespace

std::string local_day() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &local);
  return text;
}

Result<void> SpendLog::charge(double usd, const std::string& what, const std::string& day) {
  if (!std::isfinite(usd) || usd < 0)
    return fail(fmt::format("cannot record a charge of {} USD in {}: a charge must be a finite amount >= 0",
                            usd, m_file.string()));
  if (!is_day(day))
    return fail(fmt::format("cannot record a charge in {}: '{}' is not a day of the form YYYY-MM-DD",
                            m_file.string(), day));
  if (m_file.has_parent_path()) {
    if (auto made = make_dirs(m_file.parent_path()); !made)
      return made;
  }
  std::string record =
      dump_json(nlohmann::json{{"day", day}, {"usd", usd}, {"v", k_format_version}, {"what", what}});

  // Read access too: a writer checks how the file ends (see ends_cleanly).
  Fd fd(::open(m_file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0)
    return fail(fmt::format("cannot open {}: {}", m_file.string(), errno_text()));
  if (auto locked = lock(fd, LOCK_EX, m_file); !locked)
    return locked;
  // A crash mid-write can leave a line without its newline; starting on a fresh line keeps
  // this charge from being glued to it and skipped with it.
  auto clean = ends_cleanly(fd, m_file);
  if (!clean)
    return std::unexpected(clean.error());
  std::string line;
  line.reserve(record.size() + 2);
  if (!*clean)
    line.push_back('\n');
  line.append(record);
  line.push_back('\n');
  // One write(2) of the whole line; the loop only matters if the disk fills mid-line, and the
  // lock keeps any other writer from landing inside it.
  std::string_view left = line;
  while (!left.empty()) {
    ssize_t n = ::write(fd.get(), left.data(), left.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return fail(fmt::format("cannot write {}: {}", m_file.string(), n < 0 ? errno_text() : "no progress"));
    left.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<double> SpendLog::spent_on(const std::string& day) const {
  return sum_charges(m_file, &day);
}

Result<double> SpendLog::spent_total() const {
  return sum_charges(m_file, nullptr);
}

}  // namespace anneal::llm
