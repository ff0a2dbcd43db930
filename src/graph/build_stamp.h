#pragma once

#include <filesystem>
#include <string_view>

#include "cache/digest.h"
#include "graph/workspace.h"
#include "util/error.h"

namespace anneal::graph {

// .anneal/up-to-date, format 1: the text "anneal-up-to-date 1 <32 hex>\n".
//
// Written after a build that left every target it was asked for up to date. The digest
// covers all that can give such a build work again: the Annealfile's bytes, the build's
// arguments, every ledger's size and modification time, the anneal binary itself, and what
// HEAD resolves through (HEAD's text, its branch file and packed-refs, by stat). When
// it still matches, `anneal build` has nothing to do and says so without parsing the
// Annealfile or opening the repository — ninja's trick of trusting stat() over re-reading.

/// The current fingerprint for a build of `annealfile` with `arguments`.
cache::Digest build_fingerprint(const Workspace& workspace, const std::filesystem::path& annealfile,
                                std::string_view arguments);

/// True when the stored stamp holds `fingerprint`.
bool stamp_matches(const Workspace& workspace, const cache::Digest& fingerprint);

/// Stores `fingerprint` (best effort: a lost stamp only costs the fast path once).
void save_stamp(const Workspace& workspace, const cache::Digest& fingerprint);

/// Removes the stamp (before anything that may change what is up to date).
void clear_stamp(const Workspace& workspace);

}  // namespace anneal::graph
