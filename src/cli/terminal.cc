#include "cli/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

namespace anneal::cli {

bool is_terminal(std::FILE* stream) {
  const char* term = std::getenv("TERM");
  return ::isatty(::fileno(stream)) && !(term && std::string_view(term) == "dumb");
}

bool use_color(std::FILE* stream) {
  const char* no_color = std::getenv("NO_COLOR");
  return is_terminal(stream) && !(no_color && *no_color);
}

std::string paint(std::string_view text, Color color, bool on) {
  if (!on || text.empty())
    return std::string(text);
  const char* code = "";
  switch (color) {
    case Color::Red: code = "\x1b[31m"; break;
    case Color::Green: code = "\x1b[32m"; break;
    case Color::Yellow: code = "\x1b[33m"; break;
    case Color::Cyan: code = "\x1b[36m"; break;
    case Color::Bold: code = "\x1b[1m"; break;
    case Color::Dim: code = "\x1b[2m"; break;
  }
  return code + std::string(text) + "\x1b[0m";
}

std::string fit_columns(std::string_view text, size_t columns) {
  std::string out;
  size_t used = 0;
  bool coloured = false;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      // A CSI sequence: ESC [ parameters, ended by a byte in @..~.
      size_t end = i + 2;
      while (end < text.size() && !(text[end] >= '@' && text[end] <= '~'))
        ++end;
      end = std::min(end + 1, text.size());
      out.append(text.substr(i, end - i));
      coloured = true;
      i = end;
      continue;
    }
    size_t length = 1;  // a UTF-8 character's continuation bytes are 10xxxxxx
    while (i + length < text.size() && (static_cast<unsigned char>(text[i + length]) & 0xC0) == 0x80)
      ++length;
    if (used == columns)
      break;
    out.append(text.substr(i, length));
    ++used;
    i += length;
  }
  if (coloured && !out.ends_with("\x1b[0m"))
    out += "\x1b[0m";
  return out;
}

std::string visible(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\t' || c == '\n') {
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += '^';
      out += static_cast<char>(c ^ 0x40);
    } else if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      out += fmt::format("<U+{:04X}>", static_cast<unsigned char>(text[i + 1]));
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string for_stdout(std::string_view text) {
  static const bool terminal = is_terminal(stdout);
  return terminal ? visible(text) : std::string(text);
}

StatusLine::StatusLine(std::FILE* stream)
    : m_stream(stream), m_terminal(is_terminal(stream)), m_color(use_color(stream)) {}

StatusLine::~StatusLine() { clear(); }

void StatusLine::update(std::string_view text) {
  if (!m_terminal)
    return;
  struct winsize ws {};
  size_t width = ::ioctl(::fileno(m_stream), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
  // One column short of the width: a full line would wrap on some terminals.
  std::string line = fit_columns(text, width > 1 ? width - 1 : width);
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
