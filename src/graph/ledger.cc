#include "graph/ledger.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <string>

#include <fmt/format.h>

#include "graph/ledger_chain.h"
#include "util/file.h"

namespace anneal::graph {

namespace {

/// Closes a file descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0)
      ::close(fd);
  }
};

/// An flock(2) on the ledger, held while the chain's end is read and a line written (or a
/// torn line cut), so that several processes append in turn.
struct AppendLock {
  int fd = -1;
  explicit AppendLock(int file) : fd(file) {
    while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~AppendLock() { ::flock(fd, LOCK_UN); }
  AppendLock(const AppendLock&) = delete;
  AppendLock& operator=(const AppendLock&) = delete;
};

bool parses(std::string_view line) {
  return nlohmann::json::accept(line) && !line.empty() && line.front() == '{';
}

Result<std::string> read_at(int fd, off_t offset, size_t size) {
  std::string buf(size, '\0');
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd, buf.data() + got, size - got, offset + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return fail(fmt::format("cannot read ledger: {}", std::strerror(errno)));
    got += static_cast<size_t>(n);
  }
  return buf;
}

/// Where the last line of the first `end` bytes starts (a final "\n" belongs to that line).
Result<off_t> last_line_start(int fd, off_t end) {
  off_t search_end = end - 1;  // skip the line's own terminator
  while (search_end > 0) {
    off_t from = std::max<off_t>(0, search_end - 65536);
    auto bytes = read_at(fd, from, static_cast<size_t>(search_end - from));
    if (!bytes)
      return std::unexpected(bytes.error());
    size_t nl = bytes->rfind('\n');
    if (nl != std::string::npos)
      return from + static_cast<off_t>(nl) + 1;
    search_end = from;
  }
  return 0;
}

/// Prints a warning to stderr unless this process printed it already (several Ledger objects
/// read the same file in one command).
void warn_once(const std::string& warning) {
  static std::mutex mutex;
  static std::set<std::string> printed;
  std::lock_guard lock(mutex);
  if (printed.insert(warning).second)
    fmt::print(stderr, "{}\n", warning);
}

/// A record as readers see it: without the chain's fields.
nlohmann::json without_chain(nlohmann::json record) {
  record.erase("seq");
  record.erase("chain");
  return record;
}

constexpr size_t k_chunk = 1 << 20;

/// The path as a warning names it: relative to the current directory when inside it.
std::string shown_path(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::path cwd = std::filesystem::current_path(ec);
  if (ec || !path.is_absolute())
    return path.string();
  std::filesystem::path relative = path.lexically_relative(cwd);
  return relative.empty() || *relative.begin() == ".." ? path.string() : relative.string();
}

}  // namespace

Result<Ledger> Ledger::open(const std::filesystem::path& path) {
  if (auto made = make_dirs(path.parent_path()); !made)
    return std::unexpected(made.error());
  Ledger ledger(path);
  Fd file{::open(path.c_str(), O_RDWR | O_CLOEXEC)};
  if (file.fd < 0)
    return ledger;  // no experiments yet
  AppendLock locked(file.fd);  // a line another process is writing is not torn
  struct stat st {};
  if (::fstat(file.fd, &st) != 0)
    return fail(fmt::format("cannot stat {}: {}", path.string(), std::strerror(errno)));
  off_t size = st.st_size;
  off_t good = size;
  // Cut off the last line while it is unterminated or not a JSON object.
  while (good > 0) {
    auto start = last_line_start(file.fd, good);
    if (!start)
      return std::unexpected(start.error());
    auto line = read_at(file.fd, *start, static_cast<size_t>(good - *start));
    if (!line)
      return std::unexpected(line.error());
    if (!line->empty() && line->back() == '\n') {
      line->pop_back();
      if (parses(*line))
        break;
    }
    good = *start;
  }
  if (good != size) {
    if (::ftruncate(file.fd, good) != 0 || ::fsync(file.fd) != 0)
      return fail(fmt::format("cannot repair {}: {}", path.string(), std::strerror(errno)));
    fmt::print(stderr, "anneal: {}: removed a torn last record ({} bytes) left by an interrupted run\n",
               path.string(), size - good);
  }
  return ledger;
}

Result<void> Ledger::check() const {
  Fd file{::open(m_path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    m_checked = Checked{};
    return {};
  }
  struct stat st {};
  if (::fstat(file.fd, &st) != 0)
    return fail(fmt::format("cannot stat {}: {}", m_path.string(), std::strerror(errno)));
  if (st.st_dev != m_checked.device || st.st_ino != m_checked.inode || st.st_size < m_checked.size) {
    m_checked = Checked{};  // replaced or cut: judge it all again
    m_checked.device = st.st_dev;
    m_checked.inode = st.st_ino;
  }
  off_t offset = m_checked.size;
  std::string carry;  // a line begun in an earlier chunk
  while (offset + static_cast<off_t>(carry.size()) < st.st_size) {
    off_t from = offset + static_cast<off_t>(carry.size());
    auto bytes = read_at(file.fd, from, static_cast<size_t>(std::min<off_t>(st.st_size - from, k_chunk)));
    if (!bytes)
      return std::unexpected(bytes.error());
    std::string text = std::move(carry) + *bytes;
    size_t pos = 0;
    for (size_t nl; (nl = text.find('\n', pos)) != std::string::npos; pos = nl + 1) {
      std::string_view line(text.data() + pos, nl - pos);
      size_t number = ++m_checked.lines;
      off_t start = offset + static_cast<off_t>(pos);
      if (line.empty())
        continue;
      auto verdict = m_checked.verifier.next(line, number);
      if (!verdict.believed) {
        m_checked.rejected.push_back(start);
        m_checked.warnings.push_back(fmt::format("{}:{}: warning: {}", shown_path(m_path), number, verdict.problem));
        warn_once(m_checked.warnings.back());
      }
    }
    offset += static_cast<off_t>(pos);
    carry = text.substr(pos);
  }
  m_checked.size = offset;  // an unterminated last line is judged once it is complete
  return {};
}

template <class Keep>
Result<void> Ledger::scan_backwards(Keep&& keep, std::string_view kind) const {
  if (auto checked = check(); !checked)
    return std::unexpected(checked.error());
  Fd file{::open(m_path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0)
    return {};
  const std::vector<off_t>& rejected = m_checked.rejected;
  auto give = [&](off_t start, std::string_view line) -> Result<bool> {
    if (std::binary_search(rejected.begin(), rejected.end(), start))
      return true;
    try {
      nlohmann::json record = nlohmann::json::parse(line);
      auto it = record.find("record");
      // Not a ?: of the string and "": its type would be a temporary std::string, gone
      // before the view is read.
      std::string_view is;
      if (it != record.end() && it->is_string())
        is = it->get_ref<const std::string&>();
      if (is != kind)
        return true;
      return keep(without_chain(std::move(record)));
    } catch (const nlohmann::json::exception& e) {
      return fail(fmt::format("{}: bad record: {}", m_path.string(), e.what()));
    }
  };
  off_t end = m_checked.size;  // whole lines, each judged
  std::string carry;  // the start of a line whose beginning lies in an earlier chunk
  while (end > 0) {
    off_t start = std::max<off_t>(0, end - 65536);
    auto bytes = read_at(file.fd, start, static_cast<size_t>(end - start));
    if (!bytes)
      return std::unexpected(bytes.error());
    std::string chunk = std::move(*bytes) + carry;
    size_t pos = chunk.size();
    if (pos > 0 && chunk[pos - 1] == '\n')
      --pos;
    for (;;) {
      size_t nl = pos == 0 ? std::string::npos : chunk.rfind('\n', pos - 1);
      if (nl == std::string::npos) {
        if (start == 0 && pos > 0) {
          auto more = give(0, std::string_view(chunk).substr(0, pos));
          if (!more)
            return std::unexpected(more.error());
          if (!*more)
            return {};
        }
        carry = chunk.substr(0, pos) + (start == 0 ? "" : "\n");
        break;
      }
      std::string_view line = std::string_view(chunk).substr(nl + 1, pos - nl - 1);
      pos = nl;
      if (line.empty())
        continue;
      auto more = give(start + static_cast<off_t>(nl) + 1, line);
      if (!more)
        return std::unexpected(more.error());
      if (!*more)
        return {};
    }
    end = start;
  }
  return {};
}

Result<std::vector<std::string>> Ledger::warnings() const {
  if (auto checked = check(); !checked)
    return std::unexpected(checked.error());
  return m_checked.warnings;
}

Result<std::optional<nlohmann::json>> Ledger::last() const {
  std::optional<nlohmann::json> found;
  auto scanned = scan_backwards([&](nlohmann::json record) {
    found = std::move(record);
    return false;
  });
  if (!scanned)
    return std::unexpected(scanned.error());
  return found;
}

Result<std::vector<nlohmann::json>> Ledger::recent(size_t count) const {
  std::vector<nlohmann::json> records;
  auto scanned = scan_backwards([&](nlohmann::json record) {
    if (records.size() >= count)
      return false;
    bool is_start = record.value("id", -1) == 0;
    records.push_back(std::move(record));
    return !is_start;
  });
  if (!scanned)
    return std::unexpected(scanned.error());
  std::reverse(records.begin(), records.end());
  return records;
}

Result<std::vector<nlohmann::json>> Ledger::records_of(std::string_view kind) const {
  std::vector<nlohmann::json> records;
  auto scanned = scan_backwards(
      [&](nlohmann::json record) {
        records.push_back(std::move(record));
        return true;
      },
      kind);
  if (!scanned)
    return std::unexpected(scanned.error());
  std::reverse(records.begin(), records.end());
  return records;
}

Result<std::vector<nlohmann::json>> Ledger::generation() const {
  return recent(static_cast<size_t>(-1));
}

Result<std::vector<std::vector<nlohmann::json>>> Ledger::generations() const {
  std::vector<std::vector<nlohmann::json>> runs;
  std::vector<nlohmann::json> run;  // the one being read, newest first
  auto scanned = scan_backwards([&](nlohmann::json record) {
    bool is_start = record.value("id", -1) == 0;
    run.push_back(std::move(record));
    if (is_start) {
      std::reverse(run.begin(), run.end());
      runs.push_back(std::move(run));
      run.clear();
    }
    return true;
  });
  if (!scanned)
    return std::unexpected(scanned.error());
  if (!run.empty()) {
    std::reverse(run.begin(), run.end());
    runs.push_back(std::move(run));
  }
  std::reverse(runs.begin(), runs.end());
  return runs;
}

Ledger::Appender& Ledger::Appender::operator=(Appender&& other) noexcept {
  if (this != &other) {
    if (unsynced && fd.valid())
      ::fdatasync(fd.get());
    fd = std::move(other.fd);
    unsynced = std::exchange(other.unsynced, false);
  }
  return *this;
}

Ledger::Appender::~Appender() {
  // The caller that wanted to see a failure called sync(); this is the last chance.
  if (unsynced && fd.valid())
    ::fdatasync(fd.get());
}

Result<void> Ledger::append(const nlohmann::json& record, Sync sync) {
  if (!m_appender.fd.valid()) {
    m_appender.fd.reset(::open(m_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
    if (!m_appender.fd.valid())
      return fail(fmt::format("cannot open {}: {}", m_path.string(), std::strerror(errno)));
  }
  AppendLock locked(m_appender.fd.get());
  // Chain from the last believed record (another process's appends included): whatever was
  // written after it without anneal stays rejected, and this record is believed.
  if (auto checked = check(); !checked)
    return std::unexpected(checked.error());
  std::string line = chained_line(record, m_checked.verifier.last_believed(), nullptr);
  // One write() per record: a crash leaves at most one torn line, which open() removes.
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(m_appender.fd.get(), p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail(fmt::format("cannot append to {}: {}", m_path.string(), std::strerror(errno)));
    p += n;
    left -= static_cast<size_t>(n);
  }
  m_appender.unsynced = true;
  if (auto checked = check(); !checked)  // reads back just this line
    return std::unexpected(checked.error());
  if (sync == Sync::Deferred)
    return {};
  return this->sync();
}

Result<void> Ledger::sync() {
  if (!m_appender.unsynced || !m_appender.fd.valid())
    return {};
  if (::fdatasync(m_appender.fd.get()) != 0)
    return fail(fmt::format("cannot sync {}: {}", m_path.string(), std::strerror(errno)));
  m_appender.unsynced = false;
  return {};
}

}  // namespace anneal::graph
