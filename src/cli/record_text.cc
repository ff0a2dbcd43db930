#include "cli/record_text.h"

namespace anneal::cli {

namespace {

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

std::string seconds_text(double seconds) {
  if (seconds < 10)
    return fmt::format("{:.2f}", seconds);
  return seconds < 100 ? fmt::format("{:.1f}", seconds) : fmt::format("{:.0f}", seconds);
}

std::string one_line(std::string_view text) {
  std::string out;
  bool space = false;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    // C1 controls are U+0080..U+009F, in UTF-8 0xC2 0x80..0x9F (0x9B is a CSI to some terminals).
    bool c1 = c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(text[i + 1]) <= 0x9F;
    if (c < 0x20 || c == 0x7F || c == ' ' || c1) {
      space = !out.empty();
      i += c1 ? 1 : 0;
      continue;
    }
    if (space)
      out += ' ';
    space = false;
    out += static_cast<char>(c);
  }
  return out;
}

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (char c : text)
    width += continuation(static_cast<unsigned char>(c)) ? 0 : 1;
  return width;
}

std::string truncate_display(std::string_view text, size_t width) {
  if (display_width(text) <= width)
    return std::string(text);
  if (width == 0)
    return "";
  // Keep width - 1 code points, then the ellipsis.
  size_t kept = 0, end = 0;
  for (; end < text.size(); ++end)
    if (!continuation(static_cast<unsigned char>(text[end])) && kept++ == width - 1)
      break;
  return std::string(text.substr(0, end)) + "…";
}

}  // namespace anneal::cli
