#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace anneal::cli {

/// How much a command says: -q (the summary and errors), neither, -v (what commands print).
enum class Verbosity { Quiet, Normal, Verbose };

/// Whether a stream is a terminal (progress lines and carets then, plain lines otherwise).
bool is_terminal(std::FILE* stream);

/// Whether what goes to `stream` is coloured: a terminal, and NO_COLOR unset or empty
/// (https://no-color.org). A pipe or a file never is.
bool use_color(std::FILE* stream);

enum class Color { Red, Green, Yellow, Cyan, Bold, Dim };

/// `text` between the ANSI codes of `color` and a reset when `on`; `text` as it is otherwise.
std::string paint(std::string_view text, Color color, bool on);

/// The first `columns` columns of `text` as a terminal shows it: ANSI codes take none, a
/// UTF-8 character takes one; colour left open is reset.
std::string fit_columns(std::string_view text, size_t columns);

/// `text` as it may go to a terminal when someone else wrote it (an agent's hypothesis, a
/// command's output): control characters, which could move the cursor, retitle the window or
/// hide what follows, are shown in caret notation the way `cat -v` shows them (ESC as "^[",
/// DEL as "^?"), C1 controls (U+0080-U+009F) as "<U+009B>"; tabs and newlines stay, a carriage
/// return does not (it would let a line overwrite itself).
std::string visible(std::string_view text);

/// `text` for standard output: visible() on a terminal, the bytes unchanged into a pipe or a
/// file (the way `ls` shows names).
std::string for_stdout(std::string_view text);

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
  /// Whether lines to this stream may be coloured (use_color()).
  bool color() const { return m_color; }

 private:
  std::FILE* m_stream;
  bool m_terminal;
  bool m_color;
  bool m_shown = false;
};

}  // namespace anneal::cli
