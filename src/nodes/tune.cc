#include "nodes/tune.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

#include "nodes/tune_pattern.h"
#include "nodes/tune_tried.h"
#include "util/file.h"
#include "util/random.h"

namespace anneal::nodes {

namespace fs = std::filesystem;

namespace {

// Integers beyond 2^53 are not exact in a double, so their steps would be meaningless.
constexpr double k_max_exact_integer = 9007199254740992.0;
constexpr int k_step_attempts = 8;
constexpr int k_untried_attempts = 64;  ///< draws before the grid is searched for an untried point

/// One parameter located in its file: where its number is and what it says.
struct Located {
  const TuneParam* param = nullptr;
  std::optional<TunePattern> pattern;
  std::string key;  ///< the normalised file path, so `a.ini` and `./a.ini` are one file
  size_t offset = 0;
  size_t length = 0;
  std::string text;
  double value = 0;
  double lo = 0;  ///< bounds, narrowed to whole numbers for integer parameters
  double hi = 0;
};

Result<double> parse_number(std::string_view text) {
  std::string_view digits = text;
  if (digits.starts_with('+'))
    digits.remove_prefix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      !std::isfinite(value))
    return fail("not a number");
  return value;
}

Result<void> check_param(const TuneParam& param) {
  fs::path path(param.file);
  bool escapes = std::any_of(path.begin(), path.end(), [](const fs::path& p) { return p == ".."; });
  if (param.file.empty() || path.is_absolute() || escapes)
    return fail(
        fmt::format("tune: file '{}' must be a relative path inside the repository", param.file));
  if (!std::isfinite(param.min) || !std::isfinite(param.max) || param.min > param.max)
    return fail(fmt::format("tune: {}: pattern '{}': min {} must not exceed max {}", param.file,
                            param.pattern, param.min, param.max));
  if (param.integer &&
      (std::fabs(param.min) > k_max_exact_integer || std::fabs(param.max) > k_max_exact_integer))
    return fail(fmt::format("tune: {}: pattern '{}': integer bounds must lie within ±2^53",
                            param.file, param.pattern));
  if (param.integer && std::ceil(param.min) > std::floor(param.max))
    return fail(fmt::format("tune: {}: pattern '{}': no integer lies in [{}, {}]", param.file,
                            param.pattern, param.min, param.max));
  return {};
}

/// Finds the one match of the parameter's pattern in `contents`.
Result<Located> locate(const TuneParam& param, const std::string& contents) {
  Located found;
  found.param = &param;
  auto pattern = TunePattern::compile(param.pattern);
  if (!pattern)
    return fail(fmt::format("tune: {}: pattern '{}' {}", param.file, param.pattern,
                            pattern.error().message));
  found.pattern = std::move(*pattern);

  auto matches = found.pattern->matches(contents);
  if (matches.size() != 1)
    return fail(fmt::format("tune: {}: pattern '{}' matches {} times; it must match exactly once",
                            param.file, param.pattern, matches.size()));
  if (!matches[0])
    return fail(fmt::format("tune: {}: pattern '{}' matched but its capture group did not",
                            param.file, param.pattern));
  found.offset = matches[0]->offset;
  found.length = matches[0]->length;
  found.text = contents.substr(found.offset, found.length);
  auto value = parse_number(found.text);
  if (!value)
    return fail(fmt::format("tune: {}: pattern '{}' captured '{}', which is not a number",
                            param.file, param.pattern, found.text));
  found.value = *value;
  found.lo = param.integer ? std::ceil(param.min) : param.min;
  found.hi = param.integer ? std::floor(param.max) : param.max;
  return found;
}

/// The shortest text of at most 6 significant digits for `value`, with more digits only
/// when rounding to 6 would leave [lo, hi].
std::string format_number(double value, const Located& at) {
  if (at.param->integer)
    return fmt::format("{}", static_cast<long long>(value));
  for (int precision = 6; precision <= 17; ++precision) {
    std::string text = fmt::format("{:.{}g}", value, precision);
    double back = *parse_number(text);
    if (back >= at.lo && back <= at.hi)
      return text;
  }
  return fmt::format("{}", value);
}

/// The ways to write `text` the pattern might accept: as is, with a decimal point (so a
/// real stays a real in TOML or YAML), and without an exponent.
std::vector<std::string> spellings(const std::string& text, const Located& at) {
  if (at.param->integer)
    return {text};
  std::vector<std::string> forms = {text};
  double value = *parse_number(text);
  if (size_t e = text.find('e'); e != std::string::npos) {
    // As many significant digits as the exponent form has, written positionally.
    auto significant = std::count_if(text.begin(), text.begin() + static_cast<long>(e),
                                     [](char c) { return c >= '0' && c <= '9'; });
    int exponent = std::atoi(text.c_str() + e + 1);
    int decimals = std::clamp(static_cast<int>(significant) - 1 - exponent, 0, 340);
    std::string fixed = fmt::format("{:.{}f}", value, decimals);
    while (fixed.ends_with('0'))
      fixed.pop_back();
    if (fixed.ends_with('.'))
      fixed.pop_back();
    forms.push_back(fixed);
  }
  std::vector<std::string> pointed;
  for (const std::string& form : forms)
    if (form.find_first_of(".e") == std::string::npos)
      pointed.push_back(form + ".0");
  bool had_point = at.text.find('.') != std::string::npos;
  forms.insert(had_point ? forms.begin() : forms.end(), pointed.begin(), pointed.end());
  return forms;
}

/// True when, with `text` written in place of the number, the pattern still matches exactly
/// once and captures exactly `text`: the next experiment can tune it again.
bool still_matches(const Located& at, const std::string& contents, const std::string& text) {
  std::string edited = contents;
  edited.replace(at.offset, at.length, text);
  auto matches = at.pattern->matches(edited);
  return matches.size() == 1 && matches[0] && matches[0]->offset == at.offset &&
         matches[0]->length == text.size();
}

/// A new value for the parameter: a Gaussian step, clamped, that changes its written value.
std::string perturb(const Located& at, double step_scale, Rng& rng) {
  const double base = at.param->integer ? std::round(at.value) : at.value;
  const double sigma = (at.param->max - at.param->min) * 0.5 * step_scale;
  auto candidate = [&](double v) -> std::optional<std::string> {
    std::string text = format_number(std::clamp(v, at.lo, at.hi), at);
    if (*parse_number(text) == at.value)
      return std::nullopt;
    return text;
  };
  for (int attempt = 0; attempt < k_step_attempts; ++attempt) {
    const double draw = rng.normal();
    double step = draw * sigma;
    if (at.param->integer) {
      step = std::round(step);
      if (std::fabs(step) < 1)
        step = draw < 0 ? -1 : 1;
    }
    // At a bound the step is clamped away; the other direction still moves.
    if (auto text = candidate(base + step))
      return *text;
    if (auto text = candidate(base - step))
      return *text;
  }
  // Steps too small to show in 6 digits: grow one towards the farther bound until it does.
  const double target = at.hi - base >= base - at.lo ? at.hi : at.lo;
  double step = std::max(sigma, (at.hi - at.lo) * 1e-6);
  for (int doubling = 0; doubling < 64; ++doubling, step *= 2) {
    double v = base + (target > base ? step : -step);
    if (at.param->integer)
      v = target > base ? std::ceil(v) : std::floor(v);
    if (auto text = candidate(v))
      return *text;
  }
  return format_number(target, at);
}

/// A name for a parameter in messages: the last word before the capture group of its
/// pattern ("threads = ([0-9]+)" → "threads "), or nothing.
std::string parameter_label(const std::string& pattern) {
  size_t group = pattern.find('(');
  std::string before = pattern.substr(0, group == std::string::npos ? 0 : group);
  size_t end = before.size();
  while (end > 0 && !(std::isalnum(static_cast<unsigned char>(before[end - 1])) || before[end - 1] == '_'))
    --end;
  size_t start = end;
  while (start > 0 && (std::isalnum(static_cast<unsigned char>(before[start - 1])) || before[start - 1] == '_'))
    --start;
  return start == end ? "" : before.substr(start, end - start) + " ";
}

/// Reads each parameter's file from the worktree into `contents` (once per file).
Result<void> read_param_files(const std::vector<TuneParam>& params, const fs::path& worktree,
                              std::map<std::string, std::string>& contents) {
  for (const TuneParam& param : params) {
    if (auto ok = check_param(param); !ok)
      return std::unexpected(ok.error());
    std::string key = fs::path(param.file).lexically_normal().string();
    if (contents.contains(key))
      continue;
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(worktree / key, ec)))
      return fail(fmt::format("tune: {} is a symbolic link; the tuner edits regular files only", param.file));
    auto read = read_file(worktree / key);
    if (!read)
      return fail(fmt::format("tune: {}", read.error().message));
    contents.emplace(key, std::move(*read));
  }
  return {};
}

/// Uniform crossover into `contents`: each parameter takes the partner's value with even
/// odds; with two or more parameters at least one comes from each parent. Returns the
/// hypothesis part ("crossover with abc123: threads 8 <- 21"), empty when nothing differed.
Result<std::string> cross_over(const std::vector<TuneParam>& params, const fs::path& worktree,
                               const TunePartner& partner, uint64_t seed,
                               std::map<std::string, std::string>& contents) {
  if (auto read = read_param_files(params, worktree, contents); !read)
    return std::unexpected(read.error());
  Rng rng(mix_seed(seed, 0x63726f73736f7665ULL));  // "crossove"
  std::vector<bool> take(params.size());
  for (size_t i = 0; i < params.size(); ++i)
    take[i] = rng.uniform() < 0.5;
  if (params.size() >= 2 && std::all_of(take.begin(), take.end(), [](bool t) { return t; }))
    take[rng.below(params.size())] = false;
  if (std::none_of(take.begin(), take.end(), [](bool t) { return t; }))
    take[rng.below(params.size())] = true;
  std::vector<std::string> changes;
  for (size_t i = 0; i < params.size(); ++i) {
    if (!take[i])
      continue;
    const TuneParam& param = params[i];
    std::string key = fs::path(param.file).lexically_normal().string();
    auto theirs_file = partner.files.find(key);
    if (theirs_file == partner.files.end())
      continue;  // the partner lacks the file: keep ours
    auto theirs = locate(param, theirs_file->second);
    auto ours = locate(param, contents.at(key));
    if (!theirs || !ours)
      continue;  // a pattern that does not match there: keep ours (tune() reports it if it matters)
    if (theirs->text == ours->text || theirs->value < ours->lo || theirs->value > ours->hi)
      continue;
    contents.at(key).replace(ours->offset, ours->length, theirs->text);
    changes.push_back(fmt::format("{}{} <- {}", parameter_label(param.pattern), ours->text, theirs->text));
  }
  if (changes.empty())
    return std::string();
  return fmt::format("crossover with {}: {}", partner.name, fmt::join(changes, ", "));
}

}  // namespace

Result<double> tune_value(const TuneParam& param, const std::string& contents) {
  if (auto checked = check_param(param); !checked)
    return std::unexpected(checked.error());
  auto found = locate(param, contents);
  if (!found)
    return std::unexpected(found.error());
  return found->value;
}

std::string tune_param_name(const TuneParam& param) {
  std::string label = parameter_label(param.pattern);
  return label.empty() ? label : label.substr(0, label.size() - 1);
}

std::vector<std::optional<double>> tune_values(const std::vector<TuneParam>& params,
                                               const std::map<std::string, std::string>& files) {
  std::vector<std::optional<double>> out;
  for (const TuneParam& param : params) {
    auto file = files.find(fs::path(param.file).lexically_normal().string());
    auto found = file == files.end() || !check_param(param) ? Result<Located>(fail("missing"))
                                                            : locate(param, file->second);
    if (!found) {
      out.push_back(std::nullopt);
      continue;
    }
    double span = param.max - param.min;
    out.push_back(span > 0 ? (found->value - param.min) / span : 0.5);
  }
  return out;
}

Result<TuneResult> tune(const std::vector<TuneParam>& params, const fs::path& worktree,
                        double step_scale, uint64_t seed, const TunePartner* partner, const TriedPoints* tried) {
  if (params.empty())
    return fail("tune: no parameters to tune");
  step_scale = std::isfinite(step_scale) ? std::clamp(step_scale, 1e-3, 1.0) : 1.0;

  // Everything is located and checked before any file is written, so a failure leaves the
  // worktree as it was.
  std::map<std::string, std::string> contents;
  std::string crossed;
  if (partner) {
    auto mixed = cross_over(params, worktree, *partner, seed, contents);
    if (!mixed)
      return std::unexpected(mixed.error());
    crossed = *mixed;
  }
  const std::map<std::string, std::string> before_perturbation = contents;
  std::vector<Located> located;
  for (const TuneParam& param : params) {
    if (auto ok = check_param(param); !ok)
      return std::unexpected(ok.error());
    std::string key = fs::path(param.file).lexically_normal().string();
    if (!contents.contains(key)) {
      fs::path path = worktree / key;
      std::error_code ec;
      if (fs::is_symlink(fs::symlink_status(path, ec)))
        return fail(fmt::format("tune: {} is a symbolic link; the tuner edits regular files only",
                                param.file));
      auto read = read_file(path);
      if (!read)
        return fail(fmt::format("tune: {}", read.error().message));
      contents.emplace(key, std::move(*read));
    }
    auto found = locate(param, contents.at(key));
    if (!found)
      return std::unexpected(found.error());
    found->key = key;
    for (const Located& other : located) {
      if (other.key == key && found->offset < other.offset + other.length &&
          other.offset < found->offset + found->length)
        return fail(fmt::format("tune: {}: patterns '{}' and '{}' capture the same text",
                                param.file, other.param->pattern, param.pattern));
    }
    located.push_back(std::move(*found));
  }

  std::vector<size_t> movable;
  for (size_t i = 0; i < located.size(); ++i)
    if (located[i].lo < located[i].hi)
      movable.push_back(i);
  if (movable.empty())
    return fail("tune: no parameter can change: every range [min, max] holds a single value");

  struct Replacement {
    size_t index;
    std::string text;
  };
  // The value `i` is written as, spelled so its pattern still matches.
  auto spelled = [&](size_t i, const std::string& value) -> Result<Replacement> {
    const Located& at = located[i];
    const std::string& file = contents.at(at.key);
    auto forms = spellings(value, at);
    auto form = std::find_if(forms.begin(), forms.end(),
                             [&](const std::string& f) { return still_matches(at, file, f); });
    if (form == forms.end())
      return fail(fmt::format(
          "tune: {}: pattern '{}' would not match the new value {}; widen the pattern or "
          "narrow [min, max]",
          at.param->file, at.param->pattern, value));
    return Replacement{i, *form};
  };
  Rng rng(seed);
  const double move_probability = std::max(1.0 / static_cast<double>(movable.size()), 0.5);
  auto propose = [&](double scale) -> Result<std::vector<Replacement>> {
    std::vector<size_t> chosen;
    for (size_t i : movable)
      if (rng.uniform() < move_probability)
        chosen.push_back(i);
    if (chosen.empty())
      chosen.push_back(movable[rng.below(movable.size())]);
    std::vector<Replacement> out;
    for (size_t i : chosen) {
      auto r = spelled(i, perturb(located[i], scale, rng));
      if (!r)
        return std::unexpected(r.error());
      out.push_back(std::move(*r));
    }
    return out;
  };
  auto point_of = [&](const std::vector<Replacement>& replacements) {
    std::vector<double> point;
    for (const Located& at : located)
      point.push_back(at.value);
    for (const Replacement& r : replacements)
      point[r.index] = *parse_number(r.text);
    return point;
  };
  auto proposed = propose(step_scale);
  if (!proposed)
    return std::unexpected(proposed.error());
  std::vector<Replacement> replacements = std::move(*proposed);
  // A point measured before is drawn again, then from the whole range, then (on a small
  // integer grid) the nearest untried point is taken: while one is left, none repeats.
  for (int attempt = 0; tried && tried->contains(point_of(replacements)) && attempt < k_untried_attempts; ++attempt) {
    auto again = propose(attempt < k_untried_attempts / 2 ? step_scale : 1.0);
    if (!again)
      return std::unexpected(again.error());
    replacements = std::move(*again);
  }
  if (tried && tried->contains(point_of(replacements)))
    if (auto nearest = tried->nearest_untried(point_of({}))) {
      std::vector<Replacement> moved;
      for (size_t i = 0; i < located.size(); ++i) {
        if ((*nearest)[i] == located[i].value)
          continue;
        auto r = spelled(i, format_number((*nearest)[i], located[i]));
        if (!r)
          return std::unexpected(r.error());
        moved.push_back(std::move(*r));
      }
      if (!moved.empty())  // the parent itself untried: a step is still a change
        replacements = std::move(moved);
    }

  // Within a file, replace from the end so earlier offsets stay valid.
  std::vector<Replacement> by_position = replacements;
  std::sort(by_position.begin(), by_position.end(), [&](const auto& a, const auto& b) {
    return located[a.index].offset > located[b.index].offset;
  });
  // Files the crossover changed are written even when no perturbation touches them.
  std::map<std::string, std::string> edited;
  for (const auto& [key, text] : before_perturbation)
    edited.emplace(key, text);
  for (const Replacement& r : by_position) {
    const Located& at = located[r.index];
    auto [it, inserted] = edited.try_emplace(at.key, contents.at(at.key));
    it->second.replace(at.offset, at.length, r.text);
  }
  for (const auto& [key, text] : edited) {
    fs::path path = worktree / key;
    std::error_code ec;
    auto permissions = fs::status(path, ec).permissions();
    // Unsynced: an interrupted mutation's worktree is thrown away anyway.
    if (auto written = write_file_atomic(path, text, Durability::Unsynced); !written)
      return fail(fmt::format("tune: {}", written.error().message));
    if (!ec)
      fs::permissions(path, permissions, ec);  // keep an executable script executable
  }

  TuneResult result;
  std::vector<std::string> changes;
  for (const Replacement& r : replacements) {
    const Located& at = located[r.index];
    result.edits.push_back({at.param->file, at.text, r.text});
    changes.push_back(fmt::format("tune: {}{} -> {} in {}", parameter_label(at.param->pattern), at.text,
                                  r.text, at.param->file));
  }
  result.hypothesis = fmt::format("{}", fmt::join(changes, "; "));
  if (!crossed.empty())
    result.hypothesis = crossed + "; " + result.hypothesis;
  return result;
}

}  // namespace anneal::nodes
