#include "graph/judge_samples.h"

#include <algorithm>

#include <fmt/format.h>

#include "git/scope.h"
#include "util/file.h"
#include "util/json_text.h"

namespace anneal::graph {

namespace fs = std::filesystem;

Result<std::vector<std::string>> matching_files(const fs::path& root, const std::string& glob) {
  std::vector<std::string> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec)
    return fail(fmt::format("cannot list {}: {}", root.string(), ec.message()));
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec)
      return fail(fmt::format("cannot list {}: {}", root.string(), ec.message()));
    std::string name = it->path().filename().string();
    if (it.depth() == 0 && (name == ".git" || name == ".anneal")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec))
      continue;
    std::string relative = it->path().lexically_relative(root).generic_string();
    if (git::glob_match(glob, relative))
      found.push_back(std::move(relative));
  }
  std::sort(found.begin(), found.end());
  return found;
}

namespace {

constexpr std::string_view k_samples_salt = "anneal-judge-samples-v1";

Result<std::vector<JudgeSample>> load_set(const SampleSet& set, const fs::path& root, std::string_view what) {
  std::vector<JudgeSample> out;
  if (set.glob.empty()) {
    for (size_t i = 0; i < set.texts.size(); ++i)
      out.push_back({fmt::format("inline-{}", i + 1), set.texts[i]});
    return out;
  }
  auto files = matching_files(root, set.glob);
  if (!files)
    return std::unexpected(files.error());
  if (files->empty())
    return fail(fmt::format("judge {} '{}' match no file under {}", what, set.glob, root.string()));
  for (const auto& file : *files) {
    auto text = read_file(root / file);
    if (!text)
      return fail(fmt::format("judge {} '{}': {}", what, set.glob, text.error().message));
    out.push_back({file, std::move(*text)});
  }
  return out;
}

nlohmann::json to_json(const std::vector<JudgeSample>& set) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& s : set)
    j.push_back({s.name, s.text});
  return j;
}

}  // namespace

Result<JudgeSamples> load_judge_samples(const Judge& judge, const fs::path& root) {
  JudgeSamples out;
  auto samples = load_set(judge.samples, root, "samples");
  if (!samples)
    return std::unexpected(samples.error());
  out.samples = std::move(*samples);
  if (!judge.held_out.empty()) {
    auto held_out = load_set(judge.held_out, root, "held_out");
    if (!held_out)
      return std::unexpected(held_out.error());
    // A held-out sample the agent is also judged on would not be held out.
    std::erase_if(out.samples, [&](const JudgeSample& s) {
      return std::any_of(held_out->begin(), held_out->end(),
                         [&](const JudgeSample& h) { return !judge.samples.glob.empty() && h.name == s.name; });
    });
    out.held_out = std::move(*held_out);
  }
  if (out.samples.empty())
    return fail(fmt::format("judge samples '{}': every sample is also held out", judge.samples.glob));
  out.digest = cache::digest_of(dump_json({{"samples", to_json(out.samples)}, {"held_out", to_json(out.held_out)}}),
                                k_samples_salt);
  return out;
}

}  // namespace anneal::graph
