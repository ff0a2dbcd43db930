#include "cli/score_chart.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "cli/markup_text.h"
#include "cli/record_text.h"
#include "graph/retry_plan.h"

namespace anneal::cli {

namespace {

constexpr double k_width = 760, k_height = 300;
constexpr double k_left = 64, k_right = 16, k_top = 16, k_bottom = 44;

std::optional<double> score_of(const nlohmann::json& r) {
  const nlohmann::json score = r.value("score", nlohmann::json());
  if (!score.is_number() || !std::isfinite(score.get<double>()))
    return std::nullopt;
  return score.get<double>();
}

}  // namespace

std::string score_chart_svg(const RunSummary& run) {
  int last_id = 1;
  std::vector<double> scores;
  for (const auto& r : run.records) {
    last_id = std::max(last_id, r.value("id", 0));
    if (auto s = score_of(r))
      scores.push_back(*s);
  }
  // The axis spans the scores, but far outliers (beyond three interquartile ranges) are drawn
  // at its edge, so one wild candidate does not flatten all the others.
  std::sort(scores.begin(), scores.end());
  double lo = INFINITY, hi = -INFINITY;
  if (!scores.empty()) {
    lo = scores.front();
    hi = scores.back();
  }
  if (scores.size() >= 5) {
    double q1 = scores[scores.size() / 4], q3 = scores[scores.size() * 3 / 4];
    double iqr = q3 - q1;
    if (iqr > 0) {
      lo = std::max(lo, q1 - 3 * iqr);
      hi = std::min(hi, q3 + 3 * iqr);
    }
  }
  for (std::optional<double> v : {run.baseline_score, run.best_score})
    if (v && std::isfinite(*v)) {
      lo = std::min(lo, *v);
      hi = std::max(hi, *v);
    }
  if (!(lo <= hi)) {
    lo = 0;
    hi = 1;
  }
  if (lo == hi) {
    double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  double pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  double plot_w = k_width - k_left - k_right, plot_h = k_height - k_top - k_bottom;
  auto x = [&](double id) { return k_left + id / last_id * plot_w; };
  auto y = [&](double score) { return k_top + (hi - std::clamp(score, lo, hi)) / (hi - lo) * plot_h; };

  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" "
      "role=\"img\" aria-label=\"{}\">\n",
      k_width, k_height, k_width, k_height, html_escape(fmt::format("score ({}) of each experiment of {}", run.metric, run.target)));
  // Axes and ticks.
  out += fmt::format("<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>\n", k_left, k_top, k_top + plot_h);
  out += fmt::format("<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n", k_left, k_top + plot_h,
                     k_left + plot_w);
  for (int i = 0; i <= 4; ++i) {
    double v = lo + (hi - lo) * i / 4;
    out += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{:.4g}</text>\n", k_left - 6,
                       y(v) + 4, v);
  }
  int step = std::max(1, static_cast<int>(std::ceil(last_id / 10.0)));
  for (int id = 0; id <= last_id; id += step)
    out += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">#{}</text>\n", x(id),
                       k_top + plot_h + 16, id);
  out += fmt::format("<text class=\"label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">experiment</text>\n",
                     k_left + plot_w / 2, k_height - 6);
  out += fmt::format("<text class=\"label\" x=\"12\" y=\"{:.1f}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {:.1f})\">{}</text>\n",
                     k_top + plot_h / 2, k_top + plot_h / 2, html_escape(run.metric));
  if (run.baseline_score && std::isfinite(*run.baseline_score))
    out += fmt::format("<line class=\"baseline\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"><title>baseline {}</title></line>\n",
                       k_left, y(*run.baseline_score), k_left + plot_w, y(*run.baseline_score),
                       fmt::format("{:g}", *run.baseline_score));
  // The best so far, after each experiment, as the ledger recorded it.
  std::string path;
  for (const auto& r : run.records) {
    auto best = graph::recorded_position(r).best_score;
    if (!best || !std::isfinite(*best))
      continue;
    double px = x(r.value("id", 0)), py = y(*best);
    path += path.empty() ? fmt::format("M{:.1f},{:.1f}", px, py) : fmt::format(" H{:.1f} V{:.1f}", px, py);
  }
  if (!path.empty())
    out += fmt::format("<path class=\"best\" d=\"{} H{:.1f}\"><title>best so far</title></path>\n", path, x(last_id));
  // The experiments.
  for (const auto& r : run.records) {
    std::string outcome = r.value("outcome", "");
    std::string title = fmt::format("#{} {} {}", r.value("id", 0), outcome, number_text(r.value("score", nlohmann::json())));
    if (std::string h = one_line(r.value("hypothesis", "")); !h.empty())
      title += ": " + truncate_display(h, 200);
    double px = x(r.value("id", 0));
    if (auto s = score_of(r))
      out += fmt::format("<circle class=\"point {}{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\"><title>{}</title></circle>\n",
                         html_escape(outcome), *s < lo || *s > hi ? " clipped" : "", px, y(*s),
                         html_escape(title + (*s < lo || *s > hi ? " (off the scale)" : "")));
    else
      out += fmt::format("<path class=\"unscored {}\" d=\"M{:.1f},{:.1f} l6,6 m0,-6 l-6,6\"><title>{}</title></path>\n",
                         html_escape(outcome), px - 3, k_top + plot_h - 9, html_escape(title));
  }
  return out + "</svg>\n";
}

}  // namespace anneal::cli
