#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cache/digest.h"
#include "graph/annealfile.h"
#include "util/error.h"

namespace anneal::graph {

/// One input a judge scores the candidate on.
struct JudgeSample {
  std::string name;  ///< the file's path relative to the repository root, or "inline-N"
  std::string text;
};

/// A judge's samples and held-out samples as they are now, with a digest of both: a change
/// to either replays the target, the way make remakes what depends on a changed file.
struct JudgeSamples {
  std::vector<JudgeSample> samples;
  std::vector<JudgeSample> held_out;
  cache::Digest digest;
};

/// The files under `root` whose paths relative to it match `glob`, sorted (`.git` and
/// `.anneal` are never searched).
Result<std::vector<std::string>> matching_files(const std::filesystem::path& root, const std::string& glob);

/// Reads `judge`'s sample sets from the working tree at `root` (globs match paths relative
/// to it, in sorted order; `.git` and `.anneal` are never samples). Fails, naming the glob,
/// when a glob matches no file or a file cannot be read.
Result<JudgeSamples> load_judge_samples(const Judge& judge, const std::filesystem::path& root);

}  // namespace anneal::graph
