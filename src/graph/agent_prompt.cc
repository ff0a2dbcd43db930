#include "graph/agent_prompt.h"

#include <fmt/format.h>

namespace anneal::graph {

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

}  // namespace

std::string agent_prompt(const Target& target, int experiment, const SearchPosition& position,
                         const std::vector<nlohmann::json>& recent,
                         const std::optional<std::string>& instructions) {
  std::string out = fmt::format("# anneal: target {}, experiment {}\n\n", target.name, experiment);
  out += "Improve the files in the current directory (a git worktree of the current best "
         "candidate). Change only what the scope allows; a change outside it is thrown away "
         "whole. Write a one-line hypothesis of what you changed and why to the file named by "
         "$ANNEAL_HYPOTHESIS_FILE.\n\n";
  out += fmt::format("Objective: {} `{}`", target.objective.direction == Direction::Minimize ? "minimize" : "maximize",
                     target.objective.metric);
  if (target.objective.min_improvement > 0)
    out += fmt::format(" (by more than {:g})", target.objective.min_improvement);
  out += fmt::format("\nBaseline score: {}. Current score: {}. Best score: {}.\n",
                     score_text(position.baseline_score), score_text(position.incumbent_score),
                     score_text(position.best_score));
  out += fmt::format("Artifact: {}\nEditable: {}\nImmutable: {}\n", list_text(target.artifact),
                     list_text(target.scope.editable), list_text(target.scope.immutable));
  if (!target.verify.empty()) {
    out += "Checks a candidate must pass first:";
    for (const auto& gate : target.verify)
      out += fmt::format(" {} (`{}`)", gate.name, gate.run);
    out += "\n";
  }
  if (instructions)
    out += fmt::format("\n## Instructions ({})\n\n{}\n", target.instructions, *instructions);
  if (!recent.empty()) {
    out += "\n## Recent experiments (oldest first)\n\n";
    for (const auto& r : recent) {
      std::optional<double> score;
      if (r.contains("score") && !r.at("score").is_null())
        score = r.at("score").get<double>();
      out += fmt::format("- #{} {}: score {}", r.value("id", 0), r.value("outcome", "?"), score_text(score));
      std::string hypothesis = r.value("hypothesis", "");
      if (!hypothesis.empty())
        out += fmt::format("; hypothesis: {}", hypothesis);
      out += "\n";
      if (r.contains("violations"))
        for (const auto& v : r.at("violations"))
          out += fmt::format("  - out of scope: {} ({})\n", v.value("path", ""), v.value("reason", ""));
      std::string detail = r.value("detail", "");
      if (!detail.empty() && r.value("outcome", "") != "kept" && r.value("outcome", "") != "discarded")
        out += fmt::format("  - why: {}\n", detail);
    }
  }
  return out;
}

}  // namespace anneal::graph
