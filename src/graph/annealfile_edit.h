// Changing an Annealfile as text, so the user's comments, order and layout stay as written.
#pragma once

#include <string>
#include <string_view>

#include "util/error.h"

namespace anneal::graph {

/// `text` (an Annealfile) with `block` added as the last entry under `targets:`. `block` is the
/// target as written at the top level: its first line `NAME:`, the others indented by two
/// spaces; it is re-indented to the file's targets (and to its line endings). The entry goes
/// after the last line of the `targets:` mapping (its indented comments included), before
/// whatever follows at the top level; `targets:` is added at the end when the file has none,
/// and an empty `targets: {}` is opened up. Fails (saying what to do) when `targets:` is a
/// non-empty flow mapping or the text is not YAML; the caller validates the result.
Result<std::string> append_target(std::string_view text, std::string_view block);

/// `value` as a YAML scalar that reads back as exactly this string: plain when that is
/// unambiguous, else double-quoted with escapes.
std::string yaml_scalar(std::string_view value);

}  // namespace anneal::graph
