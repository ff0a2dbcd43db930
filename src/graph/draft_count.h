// `drafts: auto`: how many drafts the next experiment gets, from how many of the recent
// drafts survived their gates.
//
// Drafts exist so that at least one candidate survives the gates (verify, scope, the edit
// applying) and is measured. With a per-draft survival rate s, n independent drafts leave at
// least one survivor with probability 1 - (1 - s)^n; auto picks the smallest n for which
// that is at least k_wanted_survival (90 %), within the target's bounds:
//
//   n = ceil(ln(1 - 0.9) / ln(1 - s)),  clamped to [min, max]
//
// s is estimated from the last k_survival_window experiments' drafts with a uniform prior,
// s = (survived + 1) / (drafted + 2), so a new target starts at 4 drafts (s = 1/2), a target
// whose drafts all survive goes down to `min` (fewer paid calls), and one whose drafts keep
// failing goes up to `max`. The window is part of the ledger's search state, so a resumed
// build plans exactly the count it would have planned.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/experiment_plan.h"

namespace anneal::graph {

inline constexpr double k_wanted_survival = 0.9;
inline constexpr size_t k_survival_window = 10;  ///< experiments

/// The drafts experiment after `position` gets: target.drafts, or with `drafts: auto` the
/// count above.
int draft_count(const Target& target, const SearchPosition& position);

/// With `drafts: auto`, the record's "draft_count": {"count", "survived", "drafted"} — the
/// `count` an experiment planned from `position` got, and the window it was chosen from;
/// null otherwise.
nlohmann::json draft_count_json(const Target& target, const SearchPosition& position, size_t count);

/// Adds a finished experiment's drafts (its decision: the "drafts" list of several, else
/// the one draft's outcome) to `next`'s window, dropping the oldest beyond the window.
/// Does nothing without `drafts: auto`.
void count_draft_survival(const Target& target, const nlohmann::json& decision, SearchPosition& next);

}  // namespace anneal::graph
