#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"

namespace anneal::nodes {

/// A number the built-in tuner may change: the one capture group of `pattern` in `file`.
struct TuneParam {
  std::string file;
  std::string pattern;
  double min = 0;
  double max = 0;
  bool integer = false;
};

struct TuneEdit {
  std::string file;
  std::string old_text;  ///< the number as it was written
  std::string new_text;
};

struct TuneResult {
  std::vector<TuneEdit> edits;
  std::string hypothesis;  ///< e.g. "tune: threads 8 -> 12 in cfg.ini; tune: ratio 0.5 -> 0.35 in cfg.ini"
};

/// Perturbs the parameters in the files under `worktree`, in place. Each parameter moves by
/// a Gaussian step of (max - min) * 0.5 * step_scale (at least 1 for integers), clamped to
/// [min, max]; at least one parameter changes. Deterministic in `seed`. Fails when a file is
/// missing, the pattern does not match exactly once, or the capture is not a number; nothing
/// is written then. Patterns are RE2 (see tune_pattern.h) with `^`/`$` matching at line ends; integers are
/// written without a decimal point, reals with at most 6 significant digits, in a spelling the
/// pattern matches again.
/// A second parent's files (normalised path -> content), for crossover.
struct TunePartner {
  std::string name;  ///< how the hypothesis names it (a short commit)
  std::map<std::string, std::string> files;
};

/// Each parameter's value in `files` (normalised path -> content) scaled to [0, 1] by its
/// [min, max]; nullopt where the file is missing or the pattern does not match once. The
/// surrogate's view of a tuned candidate.
std::vector<std::optional<double>> tune_values(const std::vector<TuneParam>& params,
                                               const std::map<std::string, std::string>& files);

/// The value of `param` in `contents` (its file's text), found as tune() finds it: fails with
/// the message tune() would fail with when the pattern does not match exactly once or does not
/// capture a number. Lets a build check every parameter at the baseline before it starts.
Result<double> tune_value(const TuneParam& param, const std::string& contents);

/// What a parameter is called in hypotheses and tables: the last word before the capture
/// group of its pattern ("threads = ([0-9]+)" → "threads"); empty when there is none.
std::string tune_param_name(const TuneParam& param);

class TriedPoints;

/// With a `partner`, each parameter first takes the partner's value with even odds (with two
/// or more parameters at least one from each parent), then the perturbation above applies.
/// With `tried`, a point in it is not proposed while an untried one can be found (drawn
/// again, then on a small integer grid the nearest untried point).
Result<TuneResult> tune(const std::vector<TuneParam>& params,
                        const std::filesystem::path& worktree, double step_scale, uint64_t seed,
                        const TunePartner* partner = nullptr, const TriedPoints* tried = nullptr);

}  // namespace anneal::nodes
