// Money spent, persisted per calendar day, so that `budget.usd_per_day` holds across builds
// and machines restarts.
#pragma once

#include <filesystem>
#include <string>

#include "util/error.h"

namespace anneal::llm {

/// Today's date on this machine's calendar (local time), "YYYY-MM-DD".
std::string local_day();

/// An append-only JSON-lines file of charges: {"day": "YYYY-MM-DD", "usd": X, "what": TEXT}.
/// Several processes append at once (every LLM node is a process): each charge is one
/// write(2) of a whole line with O_APPEND under flock; a torn last line is ignored.
class SpendLog {
 public:
  explicit SpendLog(std::filesystem::path file) : m_file(std::move(file)) {}

  /// Records a charge of `usd` on `day` (default today); `what` says for what (a node key).
  Result<void> charge(double usd, const std::string& what, const std::string& day = local_day());
  /// The sum of the charges on `day`.
  Result<double> spent_on(const std::string& day = local_day()) const;
  /// The sum of every charge.
  Result<double> spent_total() const;

 private:
  std::filesystem::path m_file;
};

}  // namespace anneal::llm
