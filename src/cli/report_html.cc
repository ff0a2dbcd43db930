#include "cli/report_html.h"

#include <fmt/format.h>

#include "cli/markup_text.h"
#include "cli/record_text.h"
#include "cli/score_chart.h"

namespace anneal::cli {

namespace {

constexpr const char* k_style = R"(body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}th,td{border:1px solid #ddd;padding:.25em .5em;vertical-align:top}
th{background:#f4f4f4;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.text{white-space:pre-wrap;max-width:40em}
.summary{font-size:1.1em}
pre.diff{background:#f8f8f8;border:1px solid #ddd;padding:.5em;overflow-x:auto;font-size:.85em}
pre.diff .add{color:#116329;background:#e6ffec}pre.diff .del{color:#82071e;background:#ffebe9}
pre.diff .hunk{color:#6639ba}pre.diff .file{font-weight:bold}
svg.chart{max-width:100%;height:auto}svg .axis{stroke:#888}svg .tick,svg .label{font-size:11px;fill:#555}
svg .baseline{stroke:#555;stroke-dasharray:6 4}svg .best{fill:none;stroke:#1a7f37;stroke-width:2}
svg .point{stroke:#fff;stroke-width:1}svg .point.clipped{stroke:#000;stroke-dasharray:2 1}svg .point.baseline{fill:#222}svg .point.kept{fill:#1a7f37}
svg .point.discarded{fill:#999}svg .point.rejected{fill:#d4a72c}svg .point.crashed{fill:#cf222e}
svg .point.blocked,svg .point.unchanged,svg .point.duplicate{fill:#8250df}svg .unscored{stroke:#cf222e;stroke-width:1.5}
.legend span{margin-right:1em}.legend i{display:inline-block;width:.8em;height:.8em;border-radius:50%;margin-right:.3em}
)";

std::string cell(const TableColumn& column, const nlohmann::json& value) {
  if (column.kind == TableColumn::Kind::Hypothesis)
    return fmt::format("<td class=\"text\">{}</td>", html_escape(value.is_string() ? value.get<std::string>() : ""));
  return fmt::format("<td{}>{}</td>", column.numeric() ? " class=\"num\"" : "", html_escape(cell_text(column, value)));
}

std::string diff_html(const std::string& patch) {
  std::string out = "<pre class=\"diff\">";
  size_t start = 0;
  while (start < patch.size()) {
    size_t end = patch.find('\n', start);
    std::string line = patch.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? patch.size() : end + 1;
    const char* kind = line.starts_with("+++") || line.starts_with("---") || line.starts_with("diff ") ? "file"
                       : line.starts_with("@@")                                                         ? "hunk"
                       : line.starts_with("+")                                                          ? "add"
                       : line.starts_with("-")                                                          ? "del"
                                                                                                        : nullptr;
    out += kind ? fmt::format("<span class=\"{}\">{}</span>\n", kind, html_escape(line)) : html_escape(line) + "\n";
  }
  return out + "</pre>\n";
}

std::string target_section(const RunSummary& run) {
  std::string id = html_escape(run.target);
  std::string out = fmt::format("<section id=\"target-{}\">\n<h2>{}</h2>\n", id, id);
  if (run.records.empty())
    return out + "<p>No experiments yet.</p>\n</section>\n";
  std::string change = change_text(run.baseline_score, run.best_score);
  out += fmt::format(
      "<p class=\"summary\">{} <b>{}</b>: baseline {} → best <b>{}</b>{} after {} experiments; cost ${:.4f}, {} s of "
      "experiments.</p>\n",
      run.minimize ? "minimize" : "maximize", html_escape(run.metric), number_text(run.baseline_score ? nlohmann::json(*run.baseline_score) : nlohmann::json()),
      number_text(run.best_score ? nlohmann::json(*run.best_score) : nlohmann::json()),
      change.empty() ? "" : " (" + change + ")", run.records.size() - 1, run.cost_usd, seconds_text(run.duration_s));
  out += "<table class=\"outcomes\"><thead><tr><th>outcome</th><th>experiments</th></tr></thead><tbody>\n";
  for (const auto& [outcome, count] : run.outcomes)
    out += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td></tr>\n", html_escape(outcome), count);
  out += "</tbody></table>\n";
  out += "<figure>\n" + score_chart_svg(run);
  out += "<figcaption class=\"legend\"><span><i style=\"background:#222\"></i>baseline</span>"
         "<span><i style=\"background:#1a7f37\"></i>kept</span><span><i style=\"background:#999\"></i>discarded</span>"
         "<span><i style=\"background:#d4a72c\"></i>rejected</span><span><i style=\"background:#cf222e\"></i>crashed "
         "(× when not scored)</span><span><i style=\"background:#8250df\"></i>blocked, unchanged</span>"
         "<span>green line: best so far; dashed: baseline</span></figcaption>\n</figure>\n";

  out += "<h3>From the baseline to the best</h3>\n<table class=\"steps\"><thead><tr>";
  for (const auto& column : run.step_table.columns)
    out += fmt::format("<th>{}</th>", html_escape(column.header));
  out += "<th>change</th><th>evidence</th></tr></thead><tbody>\n";
  std::optional<double> previous;
  for (size_t i = 0; i < run.step_table.rows.size(); ++i) {
    const auto& row = run.step_table.rows[i];
    const nlohmann::json& record = run.records[run.steps[i]];
    out += "<tr>";
    for (size_t c = 0; c < row.size(); ++c)
      out += cell(run.step_table.columns[c], row[c]);
    const nlohmann::json score = record.value("score", nlohmann::json());
    std::optional<double> now = score.is_number() ? std::optional<double>(score.get<double>()) : std::nullopt;
    out += fmt::format("<td class=\"num\">{}</td><td class=\"text\">{}</td></tr>\n", html_escape(change_text(previous, now)),
                       i == 0 ? "" : html_escape(step_evidence(record)));
    previous = now;
  }
  out += "</tbody></table>\n";

  out += "<h3>The best candidate's change</h3>\n";
  out += run.patch.empty() ? "<p>None: nothing beat the baseline yet.</p>\n" : diff_html(run.patch);

  out += fmt::format("<details><summary>All {} experiments</summary>\n", run.records.size());
  ExperimentTable all = run.all_table;
  out += "<table class=\"history\"><thead><tr>";
  for (const auto& column : all.columns)
    out += fmt::format("<th>{}</th>", html_escape(column.header));
  out += "</tr></thead><tbody>\n";
  for (const auto& row : all.rows) {
    out += "<tr>";
    for (size_t c = 0; c < row.size(); ++c)
      out += cell(all.columns[c], row[c]);
    out += "</tr>\n";
  }
  return out + "</tbody></table>\n</details>\n</section>\n";
}

}  // namespace

std::string report_html(const std::vector<RunSummary>& runs) {
  std::string names;
  for (const auto& run : runs)
    names += (names.empty() ? "" : ", ") + run.target;
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>anneal report: {}</title>\n"
      "<style>\n{}</style>\n</head>\n<body>\n<h1>anneal report: {}</h1>\n",
      html_escape(names), k_style, html_escape(names));
  for (const auto& run : runs)
    out += target_section(run);
  return out + "</body>\n</html>\n";
}

}  // namespace anneal::cli
