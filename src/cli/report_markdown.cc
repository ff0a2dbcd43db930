#include "cli/report_markdown.h"

#include <fmt/format.h>

#include "cli/markup_text.h"
#include "cli/record_text.h"

namespace anneal::cli {

namespace {

std::string optional_number(std::optional<double> value) {
  return number_text(value ? nlohmann::json(*value) : nlohmann::json());
}

std::string target_block(const RunSummary& run) {
  std::string out = fmt::format("### {}\n\n", markdown_text(run.target));
  if (run.records.empty())
    return out + "No experiments yet.\n\n";
  std::string change = change_text(run.baseline_score, run.best_score);
  std::string outcomes;
  for (const auto& [outcome, count] : run.outcomes)
    if (outcome != "baseline")
      outcomes += fmt::format("{}{} {}", outcomes.empty() ? "" : ", ", count, outcome);
  out += fmt::format("{} **{}**: baseline {} → best **{}**{} after {} experiments ({}); cost ${:.4f}, {} s.\n\n",
                     run.minimize ? "Minimize" : "Maximize", markdown_text(run.metric), optional_number(run.baseline_score),
                     optional_number(run.best_score), change.empty() ? "" : " (" + change + ")", run.records.size() - 1,
                     outcomes, run.cost_usd, seconds_text(run.duration_s));

  // The kept steps: every column but the commit's full length and the hypothesis's whole text.
  const ExperimentTable& table = run.step_table;
  std::string header = "|", rule = "|";
  for (const auto& column : table.columns) {
    header += " " + markdown_text(column.header) + " |";
    rule += column.numeric() ? " ---: |" : " --- |";
  }
  out += header + " change | evidence |\n" + rule + " ---: | --- |\n";
  std::optional<double> previous;
  for (size_t i = 0; i < table.rows.size(); ++i) {
    const nlohmann::json& record = run.records[run.steps[i]];
    std::string line = "|";
    for (size_t c = 0; c < table.columns.size(); ++c)
      line += " " + markdown_text(cell_text(table.columns[c], table.rows[i][c])) + " |";
    const nlohmann::json score = record.value("score", nlohmann::json());
    std::optional<double> now = score.is_number() ? std::optional<double>(score.get<double>()) : std::nullopt;
    line += fmt::format(" {} | {} |\n", change_text(previous, now), i == 0 ? "" : markdown_text(step_evidence(record)));
    out += line;
    previous = now;
  }
  out += "\n";
  if (run.patch.empty())
    return out + "Nothing beat the baseline yet.\n\n";
  std::string patch = run.patch;
  std::string note;
  if (patch.size() > k_markdown_diff_limit) {
    size_t cut = patch.rfind('\n', k_markdown_diff_limit);
    cut = cut == std::string::npos ? k_markdown_diff_limit : cut + 1;
    note = fmt::format("\n(The diff is cut at {} of its {} bytes: the HTML report has it whole.)\n", cut, patch.size());
    patch = patch.substr(0, cut);
  }
  out += fmt::format("<details open><summary>The best candidate's change</summary>\n\n{}{}\n</details>\n\n",
                     markdown_code_block(patch, "diff"), note);
  return out;
}

}  // namespace

std::string report_markdown(const std::vector<RunSummary>& runs) {
  std::string out = "## anneal report\n\n";
  for (const auto& run : runs)
    out += target_block(run);
  return out;
}

}  // namespace anneal::cli
