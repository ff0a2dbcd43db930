#include "graph/agent_prompt.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "graph/failure_category.h"

namespace anneal::graph {

const std::string_view k_edit_reply_contract = R"(You improve files in a git repository, one experiment at a time, towards a measured objective.

Reply in exactly this form:
1. A first line `Hypothesis: <one sentence: what you change and why it should improve the objective>`.
2. One or more edit blocks, each naming the file on its own line, then:

path/to/file
<<<<<<< SEARCH
exact lines from the current file
=======
the lines that replace them
>>>>>>> REPLACE

Rules: the SEARCH text must match the current file exactly (whitespace included) and exactly once; quote enough lines to make it unique. Several blocks may edit the same file, applied in order. An empty SEARCH creates a new file. For a small file you may instead give its whole new content: the path on its own line, then the content in a ``` fenced block. Edit only files the scope allows. Make one focused change per experiment; do not repeat changes that already failed.)";

namespace {

std::string score_text(const std::optional<double>& score) {
  return score ? fmt::format("{:g}", *score) : "none";
}

std::string list_text(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "(none)" : out;
}

std::optional<double> number(const nlohmann::json& j, const char* name) {
  if (!j.contains(name) || !j.at(name).is_number())
    return std::nullopt;
  return j.at(name).get<double>();
}

/// One past experiment, with why it failed and its scores per stage.
std::string describe_record(const nlohmann::json& r) {
  std::string outcome = r.value("outcome", "?");
  std::string out = fmt::format("- #{} {}: score {}", r.value("id", 0), outcome, score_text(number(r, "score")));
  if (r.contains("scores") && r.at("scores").is_object() && r.at("scores").size() > 1) {
    std::string scores;
    for (const auto& [stage, value] : r.at("scores").items())
      if (value.is_number())
        scores += fmt::format("{}{}={:g}", scores.empty() ? "" : ", ", stage, value.get<double>());
    out += fmt::format(" ({})", scores);
  }
  std::string hypothesis = r.value("hypothesis", "");
  if (!hypothesis.empty())
    out += fmt::format("; hypothesis: {}", hypothesis);
  out += "\n";
  if (r.contains("violations"))
    for (const auto& v : r.at("violations"))
      out += fmt::format("  - out of scope: {} ({})\n", v.value("path", ""), v.value("reason", ""));
  std::string detail = r.value("detail", "");
  if (!detail.empty() && outcome != "kept" && outcome != "discarded") {
    // Indent continuation lines (a gate's stderr, one line per failed edit block).
    std::string indented;
    for (char c : detail)
      indented += c == '\n' ? std::string("\n    ") : std::string(1, c);
    out += fmt::format("  - why: {}\n", indented);
  }
  if (r.contains("drafts"))
    for (const auto& d : r.at("drafts")) {
      if (d.value("draft", 0) == r.value("draft", 0))
        continue;
      out += fmt::format("  - draft {} {}", d.value("draft", 0), d.value("outcome", "?"));
      if (auto s = number(d, "score"))
        out += fmt::format(" (score {:g})", *s);
      if (!d.value("hypothesis", "").empty())
        out += ": " + d.value("hypothesis", "");
      if (!d.value("detail", "").empty())
        out += " — " + d.value("detail", "").substr(0, 400);
      out += "\n";
    }
  return out;
}

/// The judge's criteria with the current best's pass rate on each, and the samples where it
/// still fails some: what to work on.
std::string judge_section(const Target& target, const SearchPosition& position) {
  if (!target.judge)
    return "";
  const Judge& judge = *target.judge;
  std::string out = fmt::format("\n## Judge\n\nAn LLM judge answers YES/NO questions about {} for each of {} "
                                "sample inputs; the judge score is the mean fraction of questions passed.\n",
                                judge.generate ? "the output produced from the artifact" : "the artifact",
                                position.incumbent_samples.is_object() ? position.incumbent_samples.size() : 0);
  std::vector<double> rates(judge.criteria.size(), 0);
  const nlohmann::json& samples = position.incumbent_samples;
  if (samples.is_object() && !samples.empty())
    for (const auto& [name, passed] : samples.items())
      for (size_t i = 0; i < rates.size() && i < passed.size(); ++i)
        rates[i] += passed[i].get<double>() / samples.size();
  for (size_t i = 0; i < judge.criteria.size(); ++i)
    out += fmt::format("{}. {} — passed on {:.0f}% of the samples\n", i + 1, judge.criteria[i].question,
                       rates[i] * 100);
  if (!samples.is_object())
    return out;
  std::string failing;
  size_t shown = 0, total = 0;
  for (const auto& [name, passed] : samples.items()) {
    std::vector<std::string> failed;
    for (size_t i = 0; i < passed.size(); ++i)
      if (passed[i].get<double>() < 1)
        failed.push_back(std::to_string(i + 1));
    if (failed.empty())
      continue;
    if (++total <= 10) {
      failing += fmt::format("- {}: fails {}\n", name, fmt::join(failed, ", "));
      ++shown;
    }
  }
  if (total > 0)
    out += fmt::format("Samples where the current best still fails (criterion numbers){}:\n{}",
                       total > shown ? fmt::format(", {} of {}", shown, total) : "", failing);
  return out;
}

/// The parts of every prompt that are not history.
std::string prompt_head(const Target& target, const PromptInput& input, bool api) {
  std::string out = fmt::format("# anneal: target {}, experiment {}\n\n", target.name, input.experiment);
  if (api)
    out += "Propose one change to the files below that improves the objective. Reply with the "
           "`Hypothesis:` line and edit blocks as the system prompt describes.\n\n";
  else
    out += "Improve the files in the current directory (a git worktree of the current best "
           "candidate). Change only what the scope allows; a change outside it is thrown away "
           "whole. Write a one-line hypothesis of what you changed and why to the file named by "
           "$ANNEAL_HYPOTHESIS_FILE.\n\n";
  if (input.restart)
    out += "This draft starts again from the baseline, not from the current best: try a "
           "different direction.\n\n";
  if (input.crossover.size() == 2) {
    out += "Combine two earlier candidates: the files are those of the first; bring in what "
           "made the second one good, keeping what works in the first.\n\n";
    for (size_t i = 0; i < 2; ++i) {
      const auto& parent = input.crossover[i];
      out += fmt::format("Candidate {} ({}): {}\n", i + 1, parent.commit.substr(0, 10),
                         parent.hypothesis.empty() ? "(no hypothesis)" : parent.hypothesis);
      if (!parent.diff.empty())
        out += fmt::format("Its changes since the baseline:\n```diff\n{}```\n", parent.diff);
      out += "\n";
    }
  }
  out += fmt::format("Objective: {} `{}`",
                     target.objective.direction == Direction::Minimize ? "minimize" : "maximize",
                     target.objective.metric);
  if (target.objective.min_improvement > 0)
    out += fmt::format(" (by more than {:g})", target.objective.min_improvement);
  const SearchPosition& p = input.position;
  out += fmt::format("\nBaseline score: {}. Current score: {}. Best score: {}.\n", score_text(p.baseline_score),
                     score_text(p.incumbent_score), score_text(p.best_score));
  out += fmt::format("Artifact: {}\nEditable: {}\nImmutable: {}\n", list_text(target.artifact),
                     list_text(target.scope.editable), list_text(target.scope.immutable));
  if (!target.verify.empty()) {
    out += "Checks a candidate must pass first:";
    for (const auto& gate : target.verify)
      out += fmt::format(" {} (`{}`)", gate.name, gate.run);
    out += "\n";
  }
  out += judge_section(target, p);
  if (input.policy)
    out += fmt::format("\n## How to work ({})\n\n{}\n", input.policy_label, *input.policy);
  if (input.instructions)
    out += fmt::format("\n## Instructions ({})\n\n{}\n", target.instructions, *input.instructions);
  return out;
}

std::string files_section(const PromptInput& input) {
  if (input.files.empty())
    return "";
  bool at_incumbent = input.parent.empty() || input.parent == input.position.incumbent;
  std::string out = fmt::format("\n## Files ({})\n", input.restart                ? "at the baseline"
                                                     : !input.crossover.empty() ? "at the first candidate"
                                                     : at_incumbent             ? "at the current best"
                                                                                : "at the candidate this draft starts from");
  for (const auto& [path, content] : input.files) {
    // A fence longer than any run of backticks in the file, so the file cannot close it.
    size_t longest = 0, run = 0;
    for (char c : content) {
      run = c == '`' ? run + 1 : 0;
      longest = std::max(longest, run);
    }
    std::string fence(std::max<size_t>(3, longest + 1), '`');
    out += fmt::format("\n{}\n{}\n{}{}{}\n", path, fence, content,
                       content.empty() || content.back() == '\n' ? "" : "\n", fence);
  }
  return out;
}

/// The history sections, from the pieces that survived the budget.
std::string history(const PromptInput& input, size_t recent_from, size_t similar_count, size_t pooled_count,
                    bool learnings) {
  std::string out;
  if (learnings && !input.learnings.empty())
    out += fmt::format("\n## What earlier experiments taught\n\n{}\n", input.learnings);
  if (pooled_count > 0) {
    out += "\n## Lessons from other targets\n\n";
    for (size_t i = 0; i < pooled_count; ++i)
      out += input.pooled[i] + "\n";
  }
  if (similar_count > 0) {
    out += "\n## Earlier experiments like the recent ones (do not repeat what failed)\n\n";
    for (size_t i = 0; i < similar_count; ++i)
      out += input.similar[i] + "\n";
  }
  // Counted over every recent experiment, even those whose lines did not fit.
  if (std::string failures = failure_prompt_lines(failure_distribution(input.recent)); !failures.empty())
    out += "\n## How recent experiments failed\n\n" + failures;
  if (recent_from < input.recent.size()) {
    out += "\n## Recent experiments (oldest first)\n\n";
    for (size_t i = recent_from; i < input.recent.size(); ++i)
      out += describe_record(input.recent[i]);
  }
  return out;
}

}  // namespace

size_t estimate_tokens(std::string_view text) { return (text.size() + 3) / 4; }

std::string agent_prompt(const Target& target, const PromptInput& input) {
  return prompt_head(target, input, false) +
         history(input, 0, input.similar.size(), input.pooled.size(), true);
}

Result<std::string> api_prompt(const Target& target, const PromptInput& input, size_t max_context_tokens) {
  std::string fixed = prompt_head(target, input, true) + files_section(input);
  size_t fixed_tokens = estimate_tokens(fixed) + estimate_tokens(k_edit_reply_contract);
  if (fixed_tokens > max_context_tokens)
    return fail(fmt::format("the prompt of target '{}' needs about {} tokens before any history (the files "
                            "take {} KB), more than the agent's max_context_tokens ({}); raise "
                            "max_context_tokens or make the artifact smaller",
                            target.name, fixed_tokens, (fixed.size() + 1023) / 1024, max_context_tokens));
  size_t room = max_context_tokens - fixed_tokens;
  // Measure each piece once, then drop from the least valuable end until the rest fits.
  std::vector<size_t> recent_tokens, similar_tokens, pooled_tokens;
  size_t total = 0;
  for (const auto& r : input.recent)
    total += recent_tokens.emplace_back(estimate_tokens(describe_record(r)));
  for (const auto& s : input.similar)
    total += similar_tokens.emplace_back(estimate_tokens(s) + 1);
  for (const auto& p : input.pooled)
    total += pooled_tokens.emplace_back(estimate_tokens(p) + 1);
  size_t learnings_tokens = input.learnings.empty() ? 0 : estimate_tokens(input.learnings) + 16;
  total += learnings_tokens + 48;  // section headings
  total += estimate_tokens(failure_prompt_lines(failure_distribution(input.recent)));
  size_t similar_count = input.similar.size(), pooled_count = input.pooled.size(), recent_from = 0;
  bool learnings = true;
  while (total > room && similar_count > 0)
    total -= similar_tokens[--similar_count];
  while (total > room && pooled_count > 0)
    total -= pooled_tokens[--pooled_count];
  while (total > room && recent_from < input.recent.size())
    total -= recent_tokens[recent_from++];
  if (total > room)
    learnings = false;
  return fixed + history(input, recent_from, similar_count, pooled_count, learnings);
}

}  // namespace anneal::graph
