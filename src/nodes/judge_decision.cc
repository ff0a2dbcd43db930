#include "nodes/judge_decision.h"

#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "cache/digest.h"
#include "nodes/evaluate.h"
#include "stats/acceptance_rule.h"
#include "stats/effect_size.h"
#include "stats/predictive_futility.h"
#include "stats/wilcoxon.h"

namespace anneal::nodes {

namespace {

constexpr std::string_view k_bootstrap_salt = "anneal-judge-bootstrap-v1";
constexpr int k_bootstrap_resamples = 2000;

double mean(const std::vector<double>& values) {
  return values.empty() ? 0 : std::accumulate(values.begin(), values.end(), 0.0) / values.size();
}

std::optional<std::string> gate_failure(double value, const nlohmann::json& keep_if, const std::string& what) {
  if (!keep_if.is_object())
    return std::nullopt;
  std::string op = keep_if.at("op").get<std::string>();
  double bound = keep_if.at("value").get<double>();
  if (satisfies(value, op, bound))
    return std::nullopt;
  return fmt::format("{} {:.3g} fails keep_if {} {:g}", what, value, op, bound);
}

/// A seed from the judged contents: the same candidate, the same interval everywhere.
uint64_t content_seed(const std::vector<NodeResult>& results) {
  std::string contents;
  for (const auto& r : results)
    contents += r.judgement.value("content", "") + "\n";
  return std::strtoull(cache::digest_of(contents, k_bootstrap_salt).hex().substr(0, 16).c_str(), nullptr, 16);
}

}  // namespace

Result<JudgeScores> judge_scores(const std::vector<NodeResult>& results, const nlohmann::json& settings) {
  JudgeScores s;
  size_t criteria = settings.at("criteria").size();
  s.criterion_rates.assign(criteria, 0);
  std::vector<double> sample_scores;
  for (const auto& r : results) {
    const nlohmann::json& j = r.judgement;
    if (!j.is_object() || !j.contains("criteria") || j.at("criteria").size() != criteria)
      return fail(fmt::format("a judge result has no judgement for {} criteria", criteria));
    std::vector<double> passed;
    for (const auto& c : j.at("criteria"))
      passed.push_back(c.value("passed", 0.0));
    for (size_t i = 0; i < criteria; ++i)
      s.criterion_rates[i] += passed[i];
    sample_scores.push_back(mean(passed));
    s.order.push_back(j.value("sample", ""));
    s.samples[s.order.back()] = std::move(passed);
    s.votes += j.value("votes", 0);
    s.votes_saved += j.value("votes_saved", 0);
    s.calls += j.value("calls", 0);
  }
  if (sample_scores.empty())
    return fail("the judge scored no sample");
  for (double& rate : s.criterion_rates)
    rate /= sample_scores.size();
  s.score = mean(sample_scores);
  auto interval = stats::bootstrap_mean_ci(sample_scores, 0.95, k_bootstrap_resamples, content_seed(results));
  if (!interval)
    return std::unexpected(interval.error());
  s.interval = *interval;
  return s;
}

nlohmann::json JudgeScores::to_json(const nlohmann::json& settings) const {
  const nlohmann::json& criteria = settings.at("criteria");
  nlohmann::json rates = nlohmann::json::array();
  for (size_t i = 0; i < criterion_rates.size(); ++i)
    rates.push_back({{"label", criteria.at(i).value("label", "")},
                     {"question", criteria.at(i).value("question", "")},
                     {"rate", criterion_rates[i]}});
  nlohmann::json failing = nlohmann::json::array();
  for (const auto& [sample, passed] : samples) {
    nlohmann::json failed = nlohmann::json::array();
    for (size_t i = 0; i < passed.size(); ++i)
      if (passed[i] < 1)
        failed.push_back(criteria.at(i).value("label", ""));
    if (!failed.empty())
      failing.push_back({{"sample", sample}, {"failed", failed}});
  }
  return {{"score", score},
          {"interval", {interval.low, interval.high}},
          {"criteria", rates},
          {"failing", failing},
          {"samples", samples},
          {"votes", votes},
          {"votes_saved", votes_saved},
          {"calls", calls}};
}

std::string judge_gate_failure(const JudgeScores& scores, const nlohmann::json& settings) {
  if (auto failed = gate_failure(scores.score, settings.value("keep_if", nlohmann::json()), "judge score"))
    return *failed;
  const nlohmann::json& criteria = settings.at("criteria");
  for (size_t i = 0; i < criteria.size() && i < scores.criterion_rates.size(); ++i)
    if (auto failed = gate_failure(scores.criterion_rates[i], criteria[i].value("keep_if", nlohmann::json()),
                                   criteria[i].value("label", "") + " pass rate"))
      return *failed;
  return {};
}

namespace {

/// The criterion the objective names, when it names one of `count`.
std::optional<size_t> objective_criterion(const nlohmann::json& settings, size_t count) {
  const nlohmann::json objective = settings.value("objective", nlohmann::json());
  if (!objective.is_number_integer() || objective.get<int64_t>() < 0 || objective.get<size_t>() >= count)
    return std::nullopt;
  return objective.get<size_t>();
}

}  // namespace

double sample_metric(const std::vector<double>& passed, const nlohmann::json& settings) {
  auto criterion = objective_criterion(settings, passed.size());
  return criterion ? passed[*criterion] : mean(passed);
}

double judged_metric(const JudgeScores& scores, const nlohmann::json& settings) {
  auto criterion = objective_criterion(settings, scores.criterion_rates.size());
  return criterion ? scores.criterion_rates[*criterion] : scores.score;
}

namespace {

struct Paired {
  std::vector<double> differences;  ///< oriented so that positive is better
  std::vector<std::string> unpaired;
};

/// The candidate's differences from the incumbent, in the order it was judged.
Paired paired_differences(const JudgeScores& candidate, const nlohmann::json& incumbent,
                          const nlohmann::json& settings, Direction direction) {
  double sign = direction == Direction::Maximize ? 1 : -1;
  Paired out;
  for (const auto& sample : candidate.order) {
    const std::vector<double>& passed = candidate.samples.at(sample);
    if (!incumbent.is_object() || !incumbent.contains(sample)) {
      out.unpaired.push_back(sample);
      continue;
    }
    std::vector<double> theirs = incumbent.at(sample).get<std::vector<double>>();
    out.differences.push_back(sign * (sample_metric(passed, settings) - sample_metric(theirs, settings)));
  }
  return out;
}

Result<stats::AcceptanceWindow> window_of(const nlohmann::json& acceptance) {
  return stats::AcceptanceWindow::from_json(acceptance.is_object() && !acceptance.empty()
                                                ? acceptance
                                                : nlohmann::json{{"tested", 0}, {"accepted", 0}});
}

stats::AcceptanceRule rule_of(const nlohmann::json& test) {
  return {test.value("alpha", 0.05), test.value("window", 50)};
}

/// "futility" or "betting"; a spec from before early_stop existed ran the betting test.
std::string early_stop_of(const nlohmann::json& test) { return test.value("early_stop", "betting"); }

Result<stats::SequentialVerdict> run_sequential(const Paired& paired, size_t judged, const nlohmann::json& settings,
                                                double min_improvement, const nlohmann::json& acceptance) {
  const nlohmann::json& test = settings.at("test");
  stats::AcceptanceRule rule = rule_of(test);
  if (auto valid = rule.validate(); !valid)
    return std::unexpected(valid.error());
  auto window = window_of(acceptance);
  if (!window)
    return std::unexpected(window.error());
  size_t samples = std::max<size_t>(test.value("samples", judged), judged);
  size_t total = samples - std::min(samples, paired.unpaired.size());
  double level = stats::next_level(rule, *window);
  if (early_stop_of(test) == "futility") {
    stats::FutilityOptions options;
    options.level = level;
    options.futility = k_predictive_futility;
    options.total = total;
    options.min_mean = min_improvement;
    options.min_pairs = k_min_wilcoxon_pairs;
    options.wilcoxon.zero_method =
        stats::parse_zero_method(test.value("zero_method", "wilcox")).value_or(stats::ZeroMethod::wilcox);
    options.wilcoxon.correction = test.value("correction", false);
    return stats::futility_test(paired.differences, options);
  }
  stats::SequentialOptions options;
  options.level = level;
  options.futility = k_sequential_futility;
  options.total = total;
  options.min_mean = min_improvement;
  return stats::betting_test(paired.differences, options);
}

}  // namespace

namespace {

/// compare_judged's sequential test: `out` has the pairs' count and mean already.
Result<JudgeComparison> compare_sequentially(JudgeComparison& out, const Paired& paired, size_t judged,
                                             const nlohmann::json& settings, double min_improvement) {
  auto v = run_sequential(paired, judged, settings, min_improvement, out.acceptance);
  if (!v)
    return std::unexpected(v.error());
  const nlohmann::json& test = settings.at("test");
  auto window = window_of(out.acceptance);
  if (!window)
    return std::unexpected(window.error());
  // Only a "better" stop may accept; anything else is refused, yet counts as a test.
  stats::AcceptanceRule rule = rule_of(test);
  auto verdict =
      stats::decide_acceptance(rule, *window, v->stop == stats::SequentialStop::Better ? v->pvalue : 1.0);
  if (!verdict)
    return std::unexpected(verdict.error());
  out.accept = verdict->accept;
  out.acceptance = verdict->next.to_json();
  int place = (window->tested >= rule.window ? 0 : window->tested) + 1;
  size_t samples = std::max<size_t>(test.value("samples", judged), judged);
  std::string early_stop = early_stop_of(test);
  out.test["name"] = early_stop == "futility" ? "wilcoxon" : "betting";
  out.test["n"] = v->n;
  if (early_stop == "futility") {
    out.test["predictive_power"] = v->predictive;
    out.test["futility"] = k_predictive_futility;
  } else {
    out.test["e_value"] = v->e_value;
    out.test["e_worse"] = v->e_worse;
  }
  out.test["p"] = v->pvalue;
  out.test["level"] = verdict->level;
  out.test["sequential"] = {{"judged", judged},
                            {"of", samples},
                            {"stop", std::string(stats::stop_name(v->stop))},
                            {"batch", test.value("batch", 0)},
                            {"early_stop", early_stop}};
  out.reason = fmt::format("sequential {}, {} of {} samples judged: {}: {} (level {:.4g}, online Holm, {} of {} in "
                           "the window)",
                           early_stop == "futility" ? "Wilcoxon test with futility stops" : "betting test", judged,
                           samples, stats::stop_name(v->stop), v->reason, verdict->level, place, rule.window);
  return out;
}

}  // namespace

bool sequential_test(const nlohmann::json& settings, size_t samples) {
  return settings.is_object() && settings.contains("test") && settings.at("test").value("sequential", false) &&
         samples >= k_min_wilcoxon_pairs;
}

Result<stats::SequentialVerdict> sequential_verdict(const JudgeScores& candidate, const nlohmann::json& incumbent,
                                                    const nlohmann::json& settings, Direction direction,
                                                    double min_improvement, const nlohmann::json& acceptance) {
  return run_sequential(paired_differences(candidate, incumbent, settings, direction), candidate.order.size(),
                        settings, min_improvement, acceptance);
}

Result<JudgeComparison> compare_judged(const JudgeScores& candidate, const nlohmann::json& incumbent,
                                       const nlohmann::json& settings, Direction direction, double min_improvement,
                                       const nlohmann::json& acceptance) {
  const nlohmann::json& test = settings.at("test");
  double sign = direction == Direction::Maximize ? 1 : -1;
  auto [differences, unpaired] = paired_differences(candidate, incumbent, settings, direction);
  JudgeComparison out;
  out.acceptance = acceptance.is_object() ? acceptance : nlohmann::json::object();
  double mean_gain = mean(differences);
  out.test = {{"n", differences.size()}, {"mean_difference", sign * mean_gain}};
  if (!unpaired.empty())
    out.test["unpaired"] = unpaired;
  if (differences.empty()) {
    out.test["name"] = "none";
    out.reason = "no sample in common with the incumbent's results: nothing to compare";
    return out;
  }
  bool enough_gain = mean_gain > min_improvement;
  size_t samples = std::max<size_t>(test.value("samples", candidate.order.size()), candidate.order.size());
  if (sequential_test(settings, samples))
    return compare_sequentially(out, {differences, unpaired}, candidate.order.size(), settings, min_improvement);
  if (differences.size() < k_min_wilcoxon_pairs) {
    auto d = stats::cohen_d_z(differences);
    if (!d)
      return std::unexpected(d.error());
    // Every difference the same: d_z is undefined, and the improvement is as consistent as
    // it gets when that difference is positive.
    double d_z = d->value_or(mean_gain > 0 ? INFINITY : mean_gain < 0 ? -INFINITY : 0);
    double threshold = test.value("min_effect", 0.8);
    out.accept = d_z >= threshold && enough_gain;
    out.test["name"] = "cohen-d";
    out.test["d_z"] = std::isfinite(d_z) ? nlohmann::json(d_z) : nlohmann::json(d_z > 0 ? "inf" : "-inf");
    out.test["threshold"] = threshold;
    out.reason = fmt::format("{} pairs (< {}): Cohen's d_z {:.3g} {} {:g}{}", differences.size(),
                             k_min_wilcoxon_pairs, d_z, d_z >= threshold ? ">=" : "<", threshold,
                             d_z >= threshold && !enough_gain
                                 ? fmt::format(", but the mean gain {:.3g} is not above {:g}", mean_gain, min_improvement)
                                 : "");
    return out;
  }
  stats::AcceptanceRule rule = rule_of(test);
  auto window = window_of(out.acceptance);
  if (!window)
    return std::unexpected(window.error());
  stats::WilcoxonOptions options;
  options.alternative = stats::Alternative::greater;
  options.zero_method = stats::parse_zero_method(test.value("zero_method", "wilcox")).value_or(stats::ZeroMethod::wilcox);
  options.correction = test.value("correction", false);
  bool all_zero = std::all_of(differences.begin(), differences.end(), [](double d) { return d == 0; });
  double pvalue = 1;
  out.test["name"] = "wilcoxon";
  out.test["zero_method"] = test.value("zero_method", "wilcox");
  if (!all_zero) {
    auto w = stats::wilcoxon(differences, options);
    if (!w)
      return std::unexpected(w.error());
    pvalue = std::isnan(w->pvalue) ? 1 : w->pvalue;
    out.test["statistic"] = w->statistic;
    out.test["method"] = std::string(stats::method_name(w->method));
  }
  auto verdict = stats::decide_acceptance(rule, *window, pvalue);
  if (!verdict)
    return std::unexpected(verdict.error());
  out.test["p"] = pvalue;
  out.test["level"] = verdict->level;
  out.accept = verdict->accept && enough_gain;
  stats::AcceptanceWindow next = verdict->next;
  if (verdict->accept && !out.accept)
    --next.accepted;  // refused after all: the window's level must not loosen for it
  out.acceptance = next.to_json();
  out.reason = fmt::format("Wilcoxon signed-rank, {} pairs{}: {}", differences.size(),
                           all_zero ? " (all equal)" : "", verdict->reason);
  if (verdict->accept && !enough_gain)
    out.reason += fmt::format(", but the mean gain {:.3g} is not above {:g}", mean_gain, min_improvement);
  return out;
}

}  // namespace anneal::nodes
