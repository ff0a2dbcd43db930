// edit: what an api agent's reply asks to change, and applying it to a worktree.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace anneal::edit {

/// One change the model asked for.
struct Edit {
  enum class Kind {
    Replace,    ///< SEARCH/REPLACE: `search` must occur exactly once in the file
    WholeFile,  ///< a path line followed by a fenced block: the file's new content
  };
  Kind kind = Kind::Replace;
  std::string path;     ///< as written in the reply, relative to the repository root
  std::string search;   ///< Replace: the exact old text (whole lines); empty: create the file
  std::string replace;  ///< the new text (WholeFile: the whole new content)
  int line = 0;         ///< 1-based line of the reply where the edit starts, for messages
};

/// A reply parsed by the design's contract: a `Hypothesis: …` line, then edit blocks.
struct EditReply {
  std::string hypothesis;  ///< empty when the reply has no Hypothesis line
  std::vector<Edit> edits;
};

/// Parses `text`. A malformed block (a SEARCH without its ======= or REPLACE marker, no path
/// before it) or a reply without any edit is an error saying what and on which line.
/// Tolerated: CRLF, markdown around the Hypothesis line and the path (`a.py`, **a.py**,
/// "# a.py"), blocks wrapped in ``` fences with the path before or inside the fence, 5 to 9
/// marker characters, and a block right after another one without its own path line (it
/// edits the same file). A path line (with a '.' or '/', or a name like Makefile) followed
/// by a fence without SEARCH markers is a WholeFile edit.
Result<EditReply> parse_edit_reply(std::string_view text);

}  // namespace anneal::edit
