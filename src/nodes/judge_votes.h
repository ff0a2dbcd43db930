// The judge's tally: how a criterion's YES/NO votes become a pass rate, a pass and a sample
// score, and when Bradley-Terry voting may stop early. Pure functions of vote counts, so a
// benchmark can simulate votes with them.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace anneal::nodes {

/// One criterion's votes on one sample. A vote whose answer could not be read is missing:
/// it counts neither as YES nor as NO.
struct CriterionTally {
  int yes = 0;
  int no = 0;
  int missing = 0;
};

/// How votes become a pass: "majority" or "bradley-terry" in specs and Annealfiles.
enum class JudgeMethod { majority, bradley_terry };

/// "majority" → majority, "bradley-terry" → bradley_terry, else nullopt.
std::optional<JudgeMethod> judge_method_from_name(std::string_view name);
std::string_view judge_method_name(JudgeMethod method);

/// A 95% credible interval of a pass rate.
struct CredibleInterval {
  double low = 0;
  double high = 1;
};

/// The 95% credible interval of the posterior Beta(1 + yes, 1 + no) (Laplace smoothing):
/// its 2.5% and 97.5% quantiles.
CredibleInterval credible_interval(const CriterionTally& tally);

/// majority: yes / (yes + no), 0 when no vote was answered. bradley_terry: the posterior
/// mean (1 + yes) / (2 + yes + no).
double pass_rate(const CriterionTally& tally, JudgeMethod method);

/// 1 when the criterion passed, 0 when it failed, 0.5 on a tie. majority: by the pass rate
/// (> 0.5, == 0.5, < 0.5). bradley_terry: 1 when the credible interval lies above 0.5, 0 when
/// below, else by the posterior mean as for majority. A criterion no vote answered fails
/// under either method (missing answers never count as YES).
double passed(const CriterionTally& tally, JudgeMethod method);

/// Whether the criterion's credible interval excludes 0.5: more votes would hardly change
/// whether it passes (Bradley-Terry voting stops once every criterion is settled).
bool settled(const CriterionTally& tally);

/// Every criterion settled (true for none).
bool all_settled(std::span<const CriterionTally> tallies);

/// A sample's score: the mean over criteria of `passed` (0 for no criteria).
double sample_score(std::span<const CriterionTally> tallies, JudgeMethod method);

}  // namespace anneal::nodes
