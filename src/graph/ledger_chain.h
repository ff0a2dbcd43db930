// The ledger's chain (format 2): what makes a forged, edited, deleted or duplicated ledger line
// detectable. Only the line mechanics live here; graph/ledger.h decides what is read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace anneal::graph {

// A chained line is the record's JSON with two fields in front, in this order and spelling:
//
//   {"seq":N,"chain":"HEX",...the record's other fields...}
//
// seq counts the chained records (1, 2, 3…); chain is the XXH3-128 (32 lowercase hex digits) of
// the previous chained record's chain followed by this line without its `,"chain":"HEX"` part.
// The first chained record follows seq 0 and an empty chain. A line not in this layout — a
// format-1 line, or one a tool rewrote — carries no chain.

/// Where the chain stands after a believed record.
struct ChainLink {
  uint64_t seq = 0;
  std::string chain;  ///< hex; empty before the first chained record
};

/// The line (ending in "\n") that records `record` after `previous`; `record`'s own "seq" and
/// "chain" fields, if any, are replaced. `*next` becomes the new line's link.
std::string chained_line(const nlohmann::json& record, const ChainLink& previous, ChainLink* next);

/// Judges a ledger's lines one at a time, in file order, and says which to believe.
///
/// A chained line is believed when it follows the last believed one: the next seq, and a chain
/// that hashes that line's chain with this line's content. A line that does not is reported and
/// not believed, and the next line is still judged against the last believed one, so one forged
/// line hides nothing after it. Two ways back onto the chain: a genuine line after a forged one
/// follows the last believed line directly; after a deleted or edited line, the next genuine
/// line follows the rejected line before it, which is accepted as the chain's new base when its
/// seq is past every believed one (a duplicated or replayed older line never is).
///
/// Format-1 lines (no seq/chain) before the first believed chained line are believed as they
/// are — nothing can be checked there; after it, a line without a chain is reported.
class ChainVerifier {
 public:
  /// What a line is: believed, or not, and why not (a sentence without the position).
  struct Verdict {
    bool believed = true;
    std::string problem;
  };

  /// Judges the next line (without its "\n"); `line_number` is its 1-based position in the file,
  /// used in the problems it names.
  Verdict next(std::string_view line, size_t line_number);

  /// The link an appended record must follow.
  const ChainLink& last_believed() const { return m_believed; }

 private:
  ChainLink m_believed;
  size_t m_believed_line = 0;  ///< its line number; 0 before the first chained record
  size_t m_first_line = 0;     ///< the first believed chained record's line number
  std::optional<ChainLink> m_rejected;  ///< the previous line, when it was chained but rejected
};

}  // namespace anneal::graph
