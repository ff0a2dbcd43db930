// A population of candidates for the evolutionary strategies: tournament selection and an
// island model with ring migration.
//
// A population is stored in the search state; its JSON form, version 1:
//   {"capacity": int >= 1,
//    "islands": [[{"id": int, "commit": string, "fitness": number}, ...], ...]}   >= 1 island
// Each island holds at most `capacity` members, in the order they entered, no commit twice.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/random.h"

namespace anneal::search {

/// A candidate in a population: its ledger id (lower = older), commit and fitness.
struct Member {
  int id = 0;
  std::string commit;
  double fitness = 0;
};

/// Tournament selection: `size` distinct members drawn uniformly (without replacement, so
/// size >= members.size() always picks the fittest; size < 1 counts as 1), the fittest drawn
/// wins (ties: lower id). Returns an index into `members`; nullopt when empty.
std::optional<size_t> tournament(const std::vector<Member>& members, int size, Rng& rng);

/// An island model: `islands` populations of at most `capacity` members each.
struct Population {
  int capacity = 8;
  std::vector<std::vector<Member>> islands;  ///< size = number of islands (>= 1)

  /// At least one island and a capacity of at least 1, whatever is asked.
  explicit Population(int island_count = 1, int member_capacity = 8);

  /// A candidate enters island i when there is room or it is fitter than the island's
  /// least fit member (which then leaves; ties: the newer one stays out). Same commit twice
  /// on the island: not entered again. A non-finite fitness or an island out of range: not
  /// entered. Returns whether it entered.
  bool offer(size_t island, const Member& candidate);

  /// Immigration (the seed's "restart mutations enter the population through tournament
  /// selection"): a restart from the baseline rarely beats an island's least fit member once
  /// the island has evolved, so it enters through a replacement tournament instead: with room
  /// it joins; else `size` members are drawn as in tournament() and the least fit drawn
  /// (ties: the newer) leaves for it — unless that is the island's fittest, which always
  /// stays. Same commit twice, a non-finite fitness or an island out of range: not entered.
  /// Returns whether it entered and whom it replaced.
  struct Immigration {
    bool entered = false;
    std::optional<Member> replaced;
  };
  Immigration immigrate(size_t island, const Member& candidate, int size, Rng& rng);

  /// Ring migration: each island's fittest member is offered to the next island (i -> i+1,
  /// last -> first), all copies taken before any is inserted. Returns how many entered.
  int migrate();

  /// The fittest member over all islands (ties: lower id); nullptr when all are empty.
  const Member* best() const;

  /// The JSON form above.
  nlohmann::json to_json() const;
  /// Reads the form to_json writes; fails with the offending island or member on anything else.
  static Result<Population> from_json(const nlohmann::json& j);
};

}  // namespace anneal::search
