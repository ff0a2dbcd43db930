#include "cli/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

namespace anneal::cli {

bool is_terminal(std::FILE* stream) {
  const char* term = std::getenv("TERM");
  return ::isatty(::fileno(stream)) && !(term && std::string_view(term) == "dumb");
}

StatusLine::StatusLine(std::FILE* stream) : m_stream(stream), m_terminal(is_terminal(stream)) {}

StatusLine::~StatusLine() { clear(); }

void StatusLine::update(std::string_view text) {
  if (!m_terminal)
    return;
  struct winsize ws {};
  size_t width = ::ioctl(::fileno(m_stream), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
  std::string line(text.substr(0, width > 1 ? width - 1 : width));
  std::fprintf(m_stream, "\r%s\x1b[K", line.c_str());
  std::fflush(m_stream);
  m_shown = true;
}

void StatusLine::print(std::string_view text) {
  clear();
  std::fprintf(m_stream, "%.*s\n", static_cast<int>(text.size()), text.data());
  std::fflush(m_stream);
}

void StatusLine::clear() {
  if (m_shown) {
    std::fprintf(m_stream, "\r\x1b[K");
    std::fflush(m_stream);
    m_shown = false;
  }
}

}  // namespace anneal::cli
