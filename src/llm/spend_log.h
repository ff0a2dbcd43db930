// Money spent, persisted per calendar day, so that `budget.usd_per_day` holds across builds
// and machines restarts.
#pragma once

#include <filesystem>
#include <string>

#include "util/error.h"

namespace anneal::llm {

/// Today's date on this machine's calendar (local time), "YYYY-MM-DD".
std::string local_day();

/// An append-only JSON-lines file of charges. Format version 1, one object a line:
///
///   line := {"day": "YYYY-MM-DD", "usd": NUMBER, "v": 1, "what": STRING} "\n"
///
/// `day` is the local calendar day the charge counts against, `usd` a finite number >= 0,
/// `what` says for what (a node key). Readers need only `day` and `usd` and ignore other
/// members, so a later version may add members but must keep these two meaning the same.
///
/// Several processes append at once (every LLM node is a process): each charge is one
/// write(2) of a whole line with O_APPEND under an exclusive flock; readers hold a shared
/// flock. A line that does not parse (torn by a crash, or edited by hand) is skipped, and a
/// writer that finds the file not ending in a newline starts its line on a new one, so a torn
/// line never swallows the next charge.
class SpendLog {
 public:
  explicit SpendLog(std::filesystem::path file) : m_file(std::move(file)) {}

  /// Records a charge of `usd` on `day` (default today); `what` says for what (a node key).
  /// Creates the file and its parent directories. A negative or non-finite `usd`, or a `day`
  /// not of the form YYYY-MM-DD, is an error.
  Result<void> charge(double usd, const std::string& what, const std::string& day = local_day());
  /// The sum of the charges on `day`; 0 when the file does not exist.
  Result<double> spent_on(const std::string& day = local_day()) const;
  /// The sum of every charge; 0 when the file does not exist.
  Result<double> spent_total() const;

 private:
  std::filesystem::path m_file;
};

}  // namespace anneal::llm
