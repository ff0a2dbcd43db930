// MAP-Elites: the best candidate per behavioural cell, so the search keeps candidates that
// are good in different ways, not only the single fittest.
//
// An archive is stored in the search state; its JSON form, version 1:
//   {"descriptors": [{"name": string, "min": number, "max": number, "bins": int >= 1}, ...],
//    "cells": {"<bin>,<bin>,...": {"id": int, "commit": string, "fitness": number,
//                                   "behaviour": [number, ...]}, ...}}
// min < max for every descriptor; each cell's key is the cell of its elite's behaviour.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/random.h"

namespace anneal::search {

/// One behavioural dimension: its range and how many equal bins cut it.
struct Descriptor {
  std::string name;
  double min = 0;
  double max = 1;
  int bins = 5;
};

/// A candidate in the archive: its ledger id (lower = older), commit, fitness and behaviour
/// (one value per descriptor).
struct Elite {
  int id = 0;
  std::string commit;
  double fitness = 0;
  std::vector<double> behaviour;
};

/// The best elite seen per cell of the descriptors' grid.
struct EliteArchive {
  std::vector<Descriptor> descriptors;
  std::map<std::string, Elite> cells;  ///< key: bin indices joined by ',' e.g. "2,0"

  /// The cell of a behaviour vector: each value binned into [min, max] in `bins` equal bins
  /// (lower edges inclusive, `max` in the last bin), values outside clamped to the first/last
  /// bin; nullopt when the sizes differ, a value is NaN or a descriptor has bins < 1 or
  /// min >= max.
  std::optional<std::string> cell_of(const std::vector<double>& behaviour) const;

  /// Enters `elite` when its cell is empty or it is fitter than the cell's elite
  /// (ties: the older stays). An elite without a cell, or with a non-finite fitness or
  /// behaviour value (which JSON could not store), never enters. Returns whether it entered.
  bool offer(const Elite& elite);

  /// A parent: a uniformly chosen occupied cell's elite (cells in key order). Empty: nullopt.
  std::optional<Elite> pick(Rng& rng) const;

  /// Occupied cells / all cells (the product of the descriptors' bins).
  double coverage() const;

  /// The JSON form above.
  nlohmann::json to_json() const;
  /// Reads the form to_json writes; fails with the offending descriptor or cell on anything else.
  static Result<EliteArchive> from_json(const nlohmann::json& j);
};

}  // namespace anneal::search
