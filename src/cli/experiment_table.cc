#include "cli/experiment_table.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "cli/experiment_params.h"
#include "cli/record_text.h"
#include "graph/judge_plan.h"
#include "graph/retry_plan.h"

namespace anneal::cli {

namespace {

using Kind = TableColumn::Kind;

/// The metric columns: the target's stages and judge criteria in the Annealfile's order, then
/// every other name the records score (an earlier configuration's), in the order first seen;
/// not the objective.
std::vector<std::string> metric_names(const graph::Target& target, const std::vector<nlohmann::json>& records) {
  std::vector<std::string> names;
  std::set<std::string> seen{target.objective.metric};
  std::set<std::string> scored;
  for (const auto& r : records) {
    const nlohmann::json scores = r.value("scores", nlohmann::json::object());
    if (scores.is_object())
      for (const auto& [name, value] : scores.items())
        scored.insert(name);
  }
  std::vector<std::string> declared;
  for (const auto& stage : target.stages)
    declared.push_back(stage.name);
  if (target.judge)
    for (size_t i = 0; i < target.judge->criteria.size(); ++i)
      declared.push_back(graph::criterion_label(*target.judge, i));
  for (const auto& name : declared)
    if (scored.contains(name) && seen.insert(name).second)
      names.push_back(name);
  for (const auto& r : records) {
    const nlohmann::json scores = r.value("scores", nlohmann::json::object());
    if (scores.is_object())
      for (const auto& [name, value] : scores.items())
        if (seen.insert(name).second)
          names.push_back(name);
  }
  return names;
}

/// The hypothesis cell: what the experiment tried, what went wrong when it was not evaluated,
/// how many attempts it took.
std::string hypothesis_cell(const nlohmann::json& r) {
  std::string what = r.value("hypothesis", "");
  // The attempts before the reason, so a long reason is what a narrow table cuts.
  int attempts = r.value("attempts", 1);
  bool finished = !graph::unfinished_record(r);
  if (attempts > 1 || !finished)
    what += fmt::format("{}({} attempt{}{})", what.empty() ? "" : " ", attempts, attempts > 1 ? "s" : "",
                        finished ? "" : "; did not finish: the next build runs it again");
  std::string outcome = r.value("outcome", "");
  if (outcome != "kept" && outcome != "discarded" && outcome != "baseline") {
    std::string why = r.value("detail", "");
    why = why.substr(0, why.find('\n'));
    for (const auto& v : r.value("violations", nlohmann::json::array()))
      why += fmt::format("{}{} ({})", why.empty() ? "" : "; ", v.value("path", ""), v.value("reason", ""));
    if (!why.empty())
      what += (what.empty() ? "" : " — ") + why;
  }
  return what;
}

/// The marker above `r`: its policy version when it is the first of its window to get a new
/// one (graph/policy_version.h), or "".
std::string policy_marker(const nlohmann::json& r, const nlohmann::json& previous) {
  const nlohmann::json& p = r.value("policy", nlohmann::json());
  if (!p.is_object() || previous.value("policy", nlohmann::json::object()).value("window", -1) == p.value("window", -1))
    return "";
  std::string event = p.value("event", "");
  if (event == "rewritten")
    return fmt::format("policy v{} (rewritten from v{})", p.value("version", 0), p.value("from", 0));
  if (event == "rolled_back")
    return fmt::format("policy rolled back to v{} (v{} did worse)", p.value("version", 0), p.value("from", 0));
  return "";
}

nlohmann::json number_or_null(const nlohmann::json& value) {
  return value.is_number() ? value : nlohmann::json();
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos)
    return text;
  std::string out = "\"";
  for (char c : text)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

ExperimentTable experiment_table(Project& project, const graph::Target& target,
                                 const std::vector<nlohmann::json>& records, bool run_column) {
  ExperimentTable table;
  if (run_column)
    table.columns.push_back({Kind::Run, "run", "run"});
  table.columns.push_back({Kind::Id, "exp", "id"});
  table.columns.push_back({Kind::Outcome, "outcome", "outcome"});
  std::vector<std::string> params = param_names(target);
  for (const auto& name : params)
    table.columns.push_back({Kind::Param, name, name});
  std::vector<std::string> metrics = metric_names(target, records);
  for (const auto& name : metrics)
    table.columns.push_back({Kind::Metric, name, name});
  table.columns.push_back({Kind::Score, "score", "score"});
  table.columns.push_back({Kind::Cost, "cost $", "cost_usd"});
  table.columns.push_back({Kind::Duration, "duration s", "duration_s"});
  table.columns.push_back({Kind::Commit, "commit", "commit"});
  table.columns.push_back({Kind::Hypothesis, "hypothesis", "hypothesis"});

  ParamReader reader(project, target);
  nlohmann::json previous = nlohmann::json::object();
  for (const auto& r : records) {
    table.markers.push_back(policy_marker(r, previous));
    previous = r;
    std::vector<nlohmann::json> row;
    if (run_column)
      row.push_back(r.value("run", 1));
    row.push_back(r.value("id", 0));
    row.push_back(r.value("outcome", ""));
    if (!params.empty())
      for (const auto& value : reader.values(r))
        row.push_back(value ? nlohmann::json(*value) : nlohmann::json());
    const nlohmann::json scores = r.value("scores", nlohmann::json::object());
    for (const auto& name : metrics)
      row.push_back(scores.is_object() && scores.contains(name) ? number_or_null(scores.at(name)) : nlohmann::json());
    row.push_back(number_or_null(r.value("score", nlohmann::json())));
    row.push_back(number_or_null(r.value("cost_usd", nlohmann::json(0.0))));
    row.push_back(number_or_null(r.value("duration_s", nlohmann::json(0.0))));
    const nlohmann::json commit = r.value("commit", nlohmann::json());
    row.push_back(commit.is_string() ? commit : nlohmann::json());
    row.push_back(hypothesis_cell(r));
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::string cell_text(const TableColumn& column, const nlohmann::json& cell) {
  switch (column.kind) {
    case Kind::Run: return cell.is_number() ? fmt::format("{}", cell.get<long long>()) : "-";
    case Kind::Id: return cell.is_number() ? fmt::format("#{}", cell.get<long long>()) : "-";
    case Kind::Duration: return cell.is_number() ? seconds_text(cell.get<double>()) : "-";
    case Kind::Commit: return cell.is_string() ? cell.get<std::string>().substr(0, 10) : "-";
    case Kind::Outcome:
    case Kind::Hypothesis: return cell.is_string() ? one_line(cell.get<std::string>()) : "";
    default: return number_text(cell);
  }
}

std::string table_text(const ExperimentTable& table, size_t line_width) {
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> widths;
  for (const auto& column : table.columns)
    widths.push_back(display_width(column.header));
  for (const auto& row : table.rows) {
    std::vector<std::string> line;
    for (size_t i = 0; i < table.columns.size(); ++i) {
      line.push_back(cell_text(table.columns[i], row[i]));
      if (table.columns[i].kind != Kind::Hypothesis)
        widths[i] = std::max(widths[i], display_width(line.back()));
    }
    cells.push_back(std::move(line));
  }
  size_t used = 0;
  for (size_t i = 0; i < table.columns.size(); ++i)
    if (table.columns[i].kind != Kind::Hypothesis)
      used += widths[i] + 2;
  size_t hypothesis_width = line_width == 0 ? 72 : std::max<size_t>(20, line_width > used ? line_width - used : 0);
  for (auto& line : cells)
    for (size_t i = 0; i < table.columns.size(); ++i)
      if (table.columns[i].kind == Kind::Hypothesis) {
        line[i] = truncate_display(line[i], hypothesis_width);
        widths[i] = std::max(widths[i], display_width(line[i]));
      }
  auto print_line = [&](const std::vector<std::string>& line) {
    std::string out;
    for (size_t i = 0; i < line.size(); ++i) {
      bool last = i + 1 == line.size();
      size_t pad = widths[i] - display_width(line[i]);
      if (i > 0)
        out += "  ";
      if (table.columns[i].numeric())
        out += std::string(pad, ' ') + line[i];
      else
        out += line[i] + (last ? "" : std::string(pad, ' '));
    }
    while (!out.empty() && out.back() == ' ')
      out.pop_back();
    return out + "\n";
  };
  std::vector<std::string> headers;
  for (const auto& column : table.columns)
    headers.push_back(column.header);
  std::string out = print_line(headers);
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i < table.markers.size() && !table.markers[i].empty())
      out += fmt::format("  ── {} ──\n", table.markers[i]);
    out += print_line(cells[i]);
  }
  return out;
}

std::string table_csv(const ExperimentTable& table) {
  std::string out;
  for (size_t i = 0; i < table.columns.size(); ++i)
    out += (i ? "," : "") + csv_field(table.columns[i].key);
  out += "\n";
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      const nlohmann::json& cell = row[i];
      std::string text = cell.is_string()             ? cell.get<std::string>()
                         : cell.is_number_integer()   ? fmt::format("{}", cell.get<long long>())
                         : cell.is_number()           ? fmt::format("{}", cell.get<double>())
                                                      : "";
      out += (i ? "," : "") + csv_field(text);
    }
    out += "\n";
  }
  return out;
}

}  // namespace anneal::cli
