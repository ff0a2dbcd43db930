// The fake editor: reads an anneal mutation prompt (graph/agent_prompt.cc: the "Artifact:"
// line, then "## Files (...)" with each file's path on a line and its content in a backtick
// fence) and adds one rule from k_prompt_rules that the artifact lacks, picked by the request's
// seed so drafts differ. It prefers rules the prompt's history mentions least.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prompt_rules.h"
#include "text.h"

namespace anneal::fake_llm {

/// One file as a mutation prompt shows it.
struct ShownFile {
  std::string path;
  std::string content;
};

namespace editor_detail {

inline bool is_fence(std::string_view line) {
  return line.size() >= 3 && line.find_first_not_of('`') == std::string_view::npos;
}

/// The files of the "## Files" section, in order.
inline std::vector<ShownFile> shown_files(std::string_view prompt) {
  std::vector<ShownFile> files;
  std::vector<std::string_view> lines = split_lines(prompt);
  size_t i = 0;
  while (i < lines.size() && !lines[i].starts_with("## Files ("))
    ++i;
  for (++i; i + 1 < lines.size(); ++i) {
    if (lines[i].starts_with("## "))
      break;
    if (trim(lines[i]).empty() || !is_fence(lines[i + 1]))
      continue;
    ShownFile file{std::string(lines[i]), ""};
    std::string_view fence = lines[i + 1];
    for (i += 2; i < lines.size() && lines[i] != fence; ++i)
      file.content += std::string(lines[i]) + "\n";
    files.push_back(std::move(file));
  }
  return files;
}

/// The first path of the "Artifact: a, b" line, if any.
inline std::optional<std::string> first_artifact(std::string_view prompt) {
  for (std::string_view line : split_lines(prompt)) {
    if (!line.starts_with("Artifact: "))
      continue;
    line.remove_prefix(10);
    return std::string(trim(line.substr(0, line.find(','))));
  }
  return std::nullopt;
}

/// The past experiments the prompt lists (similar ones, then recent ones), where earlier
/// hypotheses name the rules already tried.
inline std::string_view history(std::string_view prompt) {
  size_t at = std::min(prompt.find("\n## Earlier experiments"), prompt.find("\n## Recent experiments"));
  return at == std::string_view::npos ? std::string_view() : prompt.substr(at);
}

/// The edit that appends `line` to `file`: a SEARCH/REPLACE block on the last non-empty line
/// when that line occurs once, else the whole file in a fence.
inline std::string append_edit(const ShownFile& file, std::string_view line) {
  std::vector<std::string_view> lines = split_lines(file.content);
  while (!lines.empty() && trim(lines.back()).empty())
    lines.pop_back();
  if (!lines.empty() && count_occurrences(file.content, lines.back()) == 1)
    return file.path + "\n<<<<<<< SEARCH\n" + std::string(lines.back()) + "\n=======\n" +
           std::string(lines.back()) + "\n" + std::string(line) + "\n>>>>>>> REPLACE\n";
  std::string content = file.content;
  if (!content.empty() && content.back() != '\n')
    content += "\n";
  return file.path + "\n````\n" + content + std::string(line) + "\n````\n";
}

inline std::string learnings_reply() {
  std::string out;
  for (const PromptRule& rule : k_prompt_rules)
    out += "- " + std::string(rule.sentence) + (rule.helps ? " tends to help" : " tends to hurt") + ".\n";
  return out;
}

}  // namespace editor_detail

/// The editor's reply to a mutation prompt (`prompt` the user message, `seed` the request's).
inline std::string edit_reply(std::string_view system, std::string_view prompt, uint64_t seed) {
  using namespace editor_detail;
  std::vector<ShownFile> files = shown_files(prompt);
  if (files.empty())
    return contains(lower(system), "summarise") ? learnings_reply()
                                                : "Hypothesis: there is no file to edit in this prompt.\n";
  const ShownFile* artifact = &files.front();
  if (auto name = first_artifact(prompt))
    for (const ShownFile& file : files)
      if (file.path == *name)
        artifact = &file;
  // The rules the artifact lacks that past hypotheses mention least often.
  std::vector<const PromptRule*> pool;
  size_t fewest = SIZE_MAX;
  std::string_view past = history(prompt);
  for (const PromptRule& rule : k_prompt_rules) {
    if (has_rule(artifact->content, rule))
      continue;
    size_t mentions = count_occurrences(past, rule.sentence);
    if (mentions < fewest)
      pool.clear();
    fewest = std::min(fewest, mentions);
    if (mentions == fewest)
      pool.push_back(&rule);
  }
  if (pool.empty())
    return "Hypothesis: " + artifact->path + " already holds every rule I know.\n";
  Rng rng(seed ^ stable_hash(artifact->content));
  const PromptRule& rule = *pool[rng.next() % pool.size()];
  return "Hypothesis: add \"" + std::string(rule.sentence) + "\" to " + artifact->path + ": " +
         std::string(rule.why) + ".\n" + append_edit(*artifact, rule.sentence);
}

}  // namespace anneal::fake_llm
