#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace anneal::cli {

/// Whether a stream is a terminal (progress lines and carets then, plain lines otherwise).
bool is_terminal(std::FILE* stream);

/// A one-line status display like ninja's: on a terminal each update overwrites the line;
/// elsewhere only `print` lines appear.
class StatusLine {
 public:
  explicit StatusLine(std::FILE* stream);
  ~StatusLine();
  /// Replaces the status line (terminals only).
  void update(std::string_view text);
  /// Prints a line that stays, above the status line.
  void print(std::string_view text);
  /// Clears the status line.
  void clear();
  bool terminal() const { return m_terminal; }

 private:
  std::FILE* m_stream;
  bool m_terminal;
  bool m_shown = false;
};

}  // namespace anneal::cli
