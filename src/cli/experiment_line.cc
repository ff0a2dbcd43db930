#include "cli/experiment_line.h"

#include <fmt/format.h>

#include "cli/record_text.h"
#include "cli/terminal.h"

namespace anneal::cli {

namespace {

std::string score_text(const nlohmann::json& value) {
  return value.is_number() ? fmt::format("{:g}", value.get<double>()) : "-";
}

Color outcome_color(const std::string& outcome) {
  if (outcome == "kept")
    return Color::Green;
  if (outcome == "baseline")
    return Color::Cyan;
  if (outcome == "crashed")
    return Color::Red;
  if (outcome == "rejected" || outcome == "blocked")
    return Color::Yellow;
  return Color::Dim;  // discarded, unchanged, duplicate
}

}  // namespace

std::string experiment_line(const graph::Target& target, const nlohmann::json& r, int budget,
                            const ExperimentLine& line) {
  int id = r.value("id", 0);
  std::string outcome = r.value("outcome", "?");
  std::string best = score_text(r.at("state").value("best_score", nlohmann::json()));
  std::string text = fmt::format("[{}/{}] {} #{} {} {}  (best {}, {:.1f}s)", id, budget, target.name, id,
                                 paint(outcome, outcome_color(outcome), line.color),
                                 score_text(r.value("score", nlohmann::json())), best, r.value("duration_s", 0.0));
  if (int attempt = r.value("attempt", 1); attempt > 1)
    text += fmt::format("  (attempt {})", attempt);
  if (r.value("unfinished", false))
    text += "  did not finish: the next build runs it again";
  std::string hypothesis = r.value("hypothesis", "");
  if (!hypothesis.empty())
    text += "  " + one_line(hypothesis);
  if (!line.killed.empty())
    text += "  " + paint(line.killed, Color::Red, line.color);
  // Last, so the command to paste ends the line.
  if (!line.show.empty())
    text += "  log: " + paint(line.show, Color::Bold, line.color);
  return text;
}

}  // namespace anneal::cli
