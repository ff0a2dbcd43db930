#include "cli/judge_report.h"

#include <cmath>
#include <string>

#include <fmt/format.h>

#include "stats/variance_drift.h"

namespace anneal::cli {

namespace {

/// Experiments whose scores the drift check compares (two halves of ten).
constexpr size_t k_drift_window = 20;
/// How far back `status` looks for the latest held-out check.
constexpr size_t k_held_out_lookback = 200;

std::string percent(double value) { return fmt::format("{:.0f}%", value * 100); }

}  // namespace

Result<nlohmann::json> judge_status(const graph::Ledger& ledger) {
  nlohmann::json out = {{"held_out", nullptr}, {"drift", nullptr}};
  auto records = ledger.recent(k_held_out_lookback);
  if (!records)
    return std::unexpected(records.error());
  for (auto it = records->rbegin(); it != records->rend(); ++it)
    if (it->contains("held_out")) {
      out["held_out"] = it->at("held_out");
      out["held_out"]["after"] = it->value("id", 0);
      break;
    }
  // The judge's score where there is one (the objective may be a stage the judge gates).
  std::vector<double> scores;
  size_t first = records->size() > k_drift_window ? records->size() - k_drift_window : 0;
  for (size_t i = first; i < records->size(); ++i) {
    const nlohmann::json& r = (*records)[i];
    const nlohmann::json judged = r.value("judge", nlohmann::json());
    if (judged.is_object() && judged.value("score", nlohmann::json()).is_number())
      scores.push_back(judged.at("score").get<double>());
    else if (r.value("score", nlohmann::json()).is_number())
      scores.push_back(r.at("score").get<double>());
  }
  if (auto drift = stats::variance_drift(scores))
    out["drift"] = {{"window", scores.size()},
                    {"first_variance", drift->first},
                    {"second_variance", drift->second},
                    {"ratio", std::isfinite(drift->ratio) ? nlohmann::json(drift->ratio) : nlohmann::json("inf")},
                    {"drifting", drift->drifting}};
  return out;
}

void print_judge_status(const nlohmann::json& status) {
  const nlohmann::json& held = status.value("held_out", nlohmann::json());
  if (held.is_object()) {
    std::string verdict = held.value("paused", false)   ? " — PAUSED: the agent may be fitting the judge"
                          : held.value("warning", false) ? " — warning: it grew by over 0.10"
                                                         : "";
    double gap = held.value("gap", 0.0);
    std::string since = held.contains("divergence")
                            ? fmt::format(" (at the baseline {:.2f})", gap - held.at("divergence").get<double>())
                            : " (the baseline)";
    fmt::print("  held-out (after #{}): {:.3g} vs {:.3g} on the samples, a gap of {:.2f}{}{}\n", held.value("after", 0),
               held.value("score", 0.0), held.value("samples_score", 0.0), gap, since, verdict);
  }
  const nlohmann::json& drift = status.value("drift", nlohmann::json());
  if (drift.is_object())
    fmt::print("  drift: score variance {:.3g} → {:.3g} between the halves of the last {} experiments{}\n",
               drift.value("first_variance", 0.0), drift.value("second_variance", 0.0), drift.value("window", 0),
               drift.value("drifting", false) ? " — DRIFTING (noisier judge, or a settling search)" : " (steady)");
}

void print_judge_record(const nlohmann::json& record) {
  const nlohmann::json judged = record.value("judge", nlohmann::json());
  if (!judged.is_object())
    return;
  const nlohmann::json interval = judged.value("interval", nlohmann::json::array());
  fmt::print("judge: {:.3g}", judged.value("score", 0.0));
  if (interval.size() == 2)
    fmt::print(" (95% bootstrap interval {:.3g}–{:.3g})", interval[0].get<double>(), interval[1].get<double>());
  fmt::print(", {} votes, {} saved, {} calls sent\n", judged.value("votes", 0), judged.value("votes_saved", 0),
             judged.value("calls", 0));
  for (const auto& c : judged.value("criteria", nlohmann::json::array()))
    fmt::print("  {} {}: {}\n", c.value("label", ""), c.value("question", ""), percent(c.value("rate", 0.0)));
  for (const auto& f : judged.value("failing", nlohmann::json::array())) {
    std::vector<std::string> labels = f.value("failed", std::vector<std::string>{});
    fmt::print("  fails on {}: {}\n", f.value("sample", ""), fmt::join(labels, ", "));
  }
  const nlohmann::json test = judged.value("test", nlohmann::json());
  if (test.is_object() && test.value("sequential", nlohmann::json()).is_object()) {
    const nlohmann::json& seq = test.at("sequential");
    std::string evidence = test.contains("predictive_power")
                               ? fmt::format("predictive power {:.3g}", test.value("predictive_power", 1.0))
                               : fmt::format("e-value {:.4g}", test.value("e_value", 1.0));
    fmt::print("sequential: {} of {} samples judged, stopped: {} ({}, p {:.3g}, level {:.3g})\n",
               seq.value("judged", 0), seq.value("of", 0), seq.value("stop", "?"), evidence, test.value("p", 1.0),
               test.value("level", 0.0));
  }
  if (test.is_object())
    fmt::print("test: {}\n", test.dump());
  const nlohmann::json held = record.value("held_out", nlohmann::json());
  if (held.is_object())
    fmt::print("held-out: {}\n", held.dump());
}

void print_judgement(const nodes::NodeResult& result) {
  const nlohmann::json& j = result.judgement;
  if (!j.is_object())
    return;
  fmt::print("sample: {} ({})\nvotes: {} used, {} saved, {} calls sent\n", j.value("sample", ""),
             j.value("set", ""), j.value("votes", 0), j.value("votes_saved", 0), j.value("calls", 0));
  size_t i = 0;
  for (const auto& c : j.value("criteria", nlohmann::json::array()))
    fmt::print("  criterion {}: {} yes, {} no, {} missing → {}\n", ++i, c.value("yes", 0), c.value("no", 0),
               c.value("missing", 0), c.value("passed", 0.0) == 1 ? "passed" : c.value("passed", 0.0) == 0 ? "failed" : "tied");
}

}  // namespace anneal::cli
