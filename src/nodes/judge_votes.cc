#include "nodes/judge_votes.h"

#include "stats/beta.h"

namespace anneal::nodes {

namespace {

double by_rate(double rate) {
  if (rate > 0.5)
    return 1;
  return rate == 0.5 ? 0.5 : 0;
}

}  // namespace

std::optional<JudgeMethod> judge_method_from_name(std::string_view name) {
  if (name == "majority")
    return JudgeMethod::majority;
  if (name == "bradley-terry")
    return JudgeMethod::bradley_terry;
  return std::nullopt;
}

std::string_view judge_method_name(JudgeMethod method) {
  return method == JudgeMethod::majority ? "majority" : "bradley-terry";
}

CredibleInterval credible_interval(const CriterionTally& tally) {
  // Both shape parameters are at least 1, so the quantiles always exist.
  double a = 1.0 + tally.yes, b = 1.0 + tally.no;
  return {stats::beta_ppf(a, b, 0.025).value_or(0.0), stats::beta_ppf(a, b, 0.975).value_or(1.0)};
}

double pass_rate(const CriterionTally& tally, JudgeMethod method) {
  if (method == JudgeMethod::bradley_terry)
    return (1.0 + tally.yes) / (2.0 + tally.yes + tally.no);
  int answered = tally.yes + tally.no;
  return answered == 0 ? 0.0 : static_cast<double>(tally.yes) / answered;
}

double passed(const CriterionTally& tally, JudgeMethod method) {
  // Nothing answered is no evidence: a criterion passes only on YES votes, never on a prior.
  if (tally.yes + tally.no == 0)
    return 0;
  if (method == JudgeMethod::bradley_terry) {
    CredibleInterval interval = credible_interval(tally);
    if (interval.low > 0.5)
      return 1;
    if (interval.high < 0.5)
      return 0;
  }
  return by_rate(pass_rate(tally, method));
}

bool settled(const CriterionTally& tally) {
  CredibleInterval interval = credible_interval(tally);
  return interval.low > 0.5 || interval.high < 0.5;
}

bool all_settled(std::span<const CriterionTally> tallies) {
  for (const auto& tally : tallies)
    if (!settled(tally))
      return false;
  return true;
}

double sample_score(std::span<const CriterionTally> tallies, JudgeMethod method) {
  if (tallies.empty())
    return 0;
  double sum = 0;
  for (const auto& tally : tallies)
    sum += passed(tally, method);
  return sum / static_cast<double>(tallies.size());
}

}  // namespace anneal::nodes
