#include "nodes/live_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "proc/unique_fd.h"
#include "util/secrets.h"

namespace anneal::nodes {

namespace {

constexpr size_t k_max_line = 4096;

/// The file and each stream's unfinished line; what is left is written when the last copy
/// of the command's options goes (the command has ended by then).
class LineTee {
 public:
  explicit LineTee(const std::filesystem::path& path)
      : m_fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {}
  ~LineTee() {
    for (std::string& partial : m_partial)
      if (!partial.empty())
        emit(partial + "\n");
  }
  bool valid() const { return m_fd.valid(); }

  void add(std::string_view bytes, bool is_stderr) {
    std::string& partial = m_partial[is_stderr ? 1 : 0];
    for (char c : bytes) {
      partial += c;
      if (c == '\n' || partial.size() >= k_max_line) {
        if (partial.back() != '\n')
          partial += '\n';
        emit(partial);
        partial.clear();
      }
    }
  }

 private:
  void emit(const std::string& line) {
    // Lines, not chunks, are redacted: a secret split over two reads is still one line.
    std::string text = redact(line);
    // O_APPEND: one write per line, so a reader never sees half of one.
    [[maybe_unused]] ssize_t n = ::write(m_fd.get(), text.data(), text.size());
  }

  proc::UniqueFd m_fd;
  std::string m_partial[2];
};

}  // namespace

void stream_output(const NodeContext& context, proc::RunOptions& options) {
  if (context.live_output.empty())
    return;
  auto tee = std::make_shared<LineTee>(context.live_output);
  if (!tee->valid())
    return;
  options.on_output = [tee](std::string_view bytes, bool is_stderr) { tee->add(bytes, is_stderr); };
}

}  // namespace anneal::nodes
