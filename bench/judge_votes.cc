// Bradley-Terry early stopping against a fixed number of votes, for the LLM judge.
//
// A simulated judge answers K yes/no criteria about each of N samples of a candidate; one
// call answers every criterion of one sample. Every criterion-sample pair has a true YES
// probability q, drawn from a mix like a real rubric's: most pairs clear-cut (q = 0.05 or
// 0.95), some close (q uniform in [0.4, 0.6]). A vote is YES with probability q, NO
// otherwise, and missing (unreadable) with a small probability.
//
//   fixed           V calls per sample; each criterion passes by majority over its votes
//   bradley-terry   calls one at a time, at most V, stopping once every criterion of the
//                   sample is settled (its 95% credible interval excludes 0.5); passes by
//                   the credible interval (nodes/judge_votes.h)
//
// Both see the same votes (bradley-terry sees the first ones), so any difference comes from
// stopping and the tally, not from sampling. The tally is nodes/judge_votes.h itself.
//
// What matters is whether the decide node decides the same. Each trial draws an incumbent,
// an improved candidate (each of the incumbent's failing pairs turns into its mirror image,
// 1 - q, with probability k_fix_chance) and a null candidate (the incumbent's q, its own
// votes). Each candidate is tested against the incumbent as the decide node does: a
// one-sided Wilcoxon signed-rank test (greater, zero differences dropped) on the per-sample
// score differences, p = 1 when they are all zero; accepted when p <= the level. Levels:
// 0.05, and 0.001 = 0.05/50, online Holm's level at the start of a window.
//
// Usage: bench_judge_votes [trials] [seed]
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <utility>
#include <vector>

#include "nodes/judge_votes.h"
#include "stats/wilcoxon.h"
#include "util/random.h"

using anneal::mix_seed;
using anneal::Rng;
using anneal::nodes::CriterionTally;
using anneal::nodes::JudgeMethod;

namespace {

constexpr int k_criteria = 4;
constexpr double k_clear_low = 0.05;     // clear-cut pairs: q = 0.05 or 0.95
constexpr double k_close_low = 0.4;      // close pairs: q uniform in [0.4, 0.6]
constexpr double k_missing = 0.02;       // chance that one vote cannot be read
constexpr double k_fix_chance = 0.3;     // improved candidate: chance a failing pair passes
constexpr std::array k_levels = {0.05, 0.05 / 50};

struct Setup {
  int samples = 10;          // N per candidate
  int votes = 10;            // V: the fixed number of calls, bradley-terry's cap
  double close_share = 0.2;  // of criterion-sample pairs; the rest are clear-cut
};

/// True YES probabilities, [sample][criterion].
using Truth = std::vector<std::array<double, k_criteria>>;
using Tallies = std::array<CriterionTally, k_criteria>;

// settled() and passed() compute Beta quantiles, which would dominate the run time; each is
// asked once per distinct tally and its answer kept. all_settled() and sample_score() are,
// by their definitions in judge_votes.h, every criterion settled and the mean of passed over
// criteria; they are composed here from the kept answers, and check_composition() confirms
// at start-up that the composition gives what the library gives.
using TallyKey = std::array<int, 3>;

TallyKey key_of(const CriterionTally& tally) {
  return {tally.yes, tally.no, tally.missing};
}

bool known_settled(const CriterionTally& tally) {
  static std::map<TallyKey, bool> known;
  auto [it, added] = known.try_emplace(key_of(tally));
  if (added)
    it->second = anneal::nodes::settled(tally);
  return it->second;
}

double known_passed(const CriterionTally& tally, JudgeMethod method) {
  static std::map<std::pair<TallyKey, JudgeMethod>, double> known;
  auto [it, added] = known.try_emplace({key_of(tally), method});
  if (added)
    it->second = anneal::nodes::passed(tally, method);
  return it->second;
}

bool composed_all_settled(const Tallies& tallies) {
  return std::all_of(tallies.begin(), tallies.end(), [](const CriterionTally& t) { return known_settled(t); });
}

double composed_sample_score(const Tallies& tallies, JudgeMethod method) {
  double sum = 0;
  for (const auto& tally : tallies)
    sum += known_passed(tally, method);
  return sum / k_criteria;
}

bool check_composition(uint64_t seed) {
  Rng rng(seed);
  for (int i = 0; i < 2000; ++i) {
    Tallies tallies{};
    for (auto& tally : tallies)
      tally = {static_cast<int>(rng.below(12)), static_cast<int>(rng.below(12)), static_cast<int>(rng.below(3))};
    for (JudgeMethod method : {JudgeMethod::majority, JudgeMethod::bradley_terry})
      if (composed_sample_score(tallies, method) != anneal::nodes::sample_score(tallies, method))
        return false;
    if (composed_all_settled(tallies) != anneal::nodes::all_settled(tallies))
      return false;
  }
  return true;
}

bool is_close(double q) {
  return q > k_clear_low && q < 1 - k_clear_low;
}

Truth draw_incumbent(Rng& rng, const Setup& setup) {
  Truth truth(static_cast<size_t>(setup.samples));
  for (auto& sample : truth)
    for (double& q : sample) {
      if (rng.uniform() >= setup.close_share)
        q = rng.uniform() < 0.5 ? k_clear_low : 1 - k_clear_low;
      else
        q = k_close_low + (1 - 2 * k_close_low) * rng.uniform();
    }
  return truth;
}

Truth improve(const Truth& incumbent, Rng& rng) {
  Truth better = incumbent;
  for (auto& sample : better)
    for (double& q : sample)
      if (q < 0.5 && rng.uniform() < k_fix_chance)
        q = 1 - q;
  return better;
}

/// How one method judged one candidate.
struct Judged {
  std::vector<double> scores;  // per sample
  std::vector<std::array<double, k_criteria>> passed;
  int calls = 0;
};

struct CandidateJudgements {
  Judged fixed;
  Judged bradley_terry;
  std::vector<int> stopped_at;  // bradley-terry's calls, per sample
};

CandidateJudgements judge(const Truth& truth, int votes, Rng& rng) {
  CandidateJudgements out;
  for (const auto& sample : truth) {
    Tallies fixed{}, early{};
    int early_calls = 0;
    for (int call = 0; call < votes; ++call) {
      // Bradley-Terry has stopped once the tallies it saw are all settled.
      const bool early_open = early_calls == call && !composed_all_settled(early);
      for (size_t c = 0; c < k_criteria; ++c) {
        const double u = rng.uniform();
        const bool missing = rng.uniform() < k_missing;
        for (auto* tally : {&fixed[c], early_open ? &early[c] : nullptr}) {
          if (!tally)
            continue;
          if (missing)
            ++tally->missing;
          else if (u < sample[c])
            ++tally->yes;
          else
            ++tally->no;
        }
      }
      early_calls += early_open;
    }
    std::array<double, k_criteria> fixed_passed{}, early_passed{};
    for (size_t c = 0; c < k_criteria; ++c) {
      fixed_passed[c] = known_passed(fixed[c], JudgeMethod::majority);
      early_passed[c] = known_passed(early[c], JudgeMethod::bradley_terry);
    }
    out.fixed.scores.push_back(composed_sample_score(fixed, JudgeMethod::majority));
    out.fixed.passed.push_back(fixed_passed);
    out.fixed.calls += votes;
    out.bradley_terry.scores.push_back(composed_sample_score(early, JudgeMethod::bradley_terry));
    out.bradley_terry.passed.push_back(early_passed);
    out.bradley_terry.calls += early_calls;
    out.stopped_at.push_back(early_calls);
  }
  return out;
}

/// The decide node's p-value: one-sided Wilcoxon, candidate - incumbent per sample.
double pvalue(const std::vector<double>& candidate, const std::vector<double>& incumbent) {
  std::vector<double> differences;
  for (size_t i = 0; i < candidate.size(); ++i)
    differences.push_back(candidate[i] - incumbent[i]);
  if (std::all_of(differences.begin(), differences.end(), [](double d) { return d == 0; }))
    return 1;
  anneal::stats::WilcoxonOptions options;
  options.alternative = anneal::stats::Alternative::greater;
  auto test = anneal::stats::wilcoxon(differences, options);
  return test ? test->pvalue : 1;
}

struct Counts {
  long pairs = 0, agree = 0;
  long clear_pairs = 0, clear_agree = 0;
  long close_pairs = 0, close_agree = 0;
  long clear_right_fixed = 0, clear_right_early = 0;  // passed agrees with q > 0.5
  long samples = 0, fixed_calls = 0, early_calls = 0;
  std::vector<long> stopped;  // samples by bradley-terry's calls
  // [level][0 = improved, 1 = null]
  std::array<std::array<long, 2>, k_levels.size()> fixed_accepts{}, early_accepts{}, same{};
  long trials = 0;
};

void tally_passes(const Truth& truth, const CandidateJudgements& j, Counts& counts) {
  for (size_t s = 0; s < truth.size(); ++s)
    for (size_t c = 0; c < k_criteria; ++c) {
      const double q = truth[s][c];
      const bool agree = j.fixed.passed[s][c] == j.bradley_terry.passed[s][c];
      ++counts.pairs;
      counts.agree += agree;
      if (is_close(q)) {
        ++counts.close_pairs;
        counts.close_agree += agree;
      } else {
        ++counts.clear_pairs;
        counts.clear_agree += agree;
        const double right = q > 0.5 ? 1 : 0;
        counts.clear_right_fixed += j.fixed.passed[s][c] == right;
        counts.clear_right_early += j.bradley_terry.passed[s][c] == right;
      }
    }
  counts.samples += static_cast<long>(truth.size());
  counts.fixed_calls += j.fixed.calls;
  counts.early_calls += j.bradley_terry.calls;
  for (int n : j.stopped_at) {
    if (counts.stopped.size() <= static_cast<size_t>(n))
      counts.stopped.resize(static_cast<size_t>(n) + 1);
    ++counts.stopped[static_cast<size_t>(n)];
  }
}

Counts simulate(const Setup& setup, int trials, uint64_t seed) {
  Counts counts;
  for (int trial = 0; trial < trials; ++trial) {
    Rng rng(mix_seed(seed, static_cast<uint64_t>(trial)));
    Truth incumbent = draw_incumbent(rng, setup);
    Truth improved = improve(incumbent, rng);
    CandidateJudgements base = judge(incumbent, setup.votes, rng);
    std::array candidates = {judge(improved, setup.votes, rng), judge(incumbent, setup.votes, rng)};  // improved, null
    tally_passes(incumbent, base, counts);
    tally_passes(improved, candidates[0], counts);
    tally_passes(incumbent, candidates[1], counts);
    for (size_t kind = 0; kind < candidates.size(); ++kind) {
      double p_fixed = pvalue(candidates[kind].fixed.scores, base.fixed.scores);
      double p_early = pvalue(candidates[kind].bradley_terry.scores, base.bradley_terry.scores);
      for (size_t l = 0; l < k_levels.size(); ++l) {
        bool fixed_accepts = p_fixed <= k_levels[l], early_accepts = p_early <= k_levels[l];
        counts.fixed_accepts[l][kind] += fixed_accepts;
        counts.early_accepts[l][kind] += early_accepts;
        counts.same[l][kind] += fixed_accepts == early_accepts;
      }
    }
    ++counts.trials;
  }
  return counts;
}

double percent(long part, long whole) {
  return whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0;
}

double calls_per_sample(long calls, const Counts& counts) {
  return static_cast<double>(calls) / static_cast<double>(counts.samples);
}

void report(const Setup& setup, const Counts& counts) {
  const double fixed_calls = calls_per_sample(counts.fixed_calls, counts);
  const double early_calls = calls_per_sample(counts.early_calls, counts);
  std::printf("\n== %d samples per candidate, V = %d, %.0f%% close; %ld candidate triples (incumbent, improved, null)\n",
              setup.samples, setup.votes, 100 * setup.close_share, counts.trials);
  std::printf("calls per sample: fixed %.2f, bradley-terry %.2f: %.1f%% saved\n", fixed_calls, early_calls,
              100 * (1 - early_calls / fixed_calls));
  std::printf("bradley-terry stopped after n calls (share of samples):");
  for (size_t n = 1; n < counts.stopped.size(); ++n)
    if (counts.stopped[n])
      std::printf("  %zu: %.1f%%", n, percent(counts.stopped[n], counts.samples));
  std::printf("\n");
  std::printf(
      "`passed` agrees per criterion-sample: %.2f%% of all, %.2f%% of clear-cut, %.2f%% of close pairs\n",
      percent(counts.agree, counts.pairs), percent(counts.clear_agree, counts.clear_pairs),
      percent(counts.close_agree, counts.close_pairs));
  std::printf("clear-cut pairs judged right (passed == (q > 0.5)): fixed %.2f%%, bradley-terry %.2f%%\n",
              percent(counts.clear_right_fixed, counts.clear_pairs),
              percent(counts.clear_right_early, counts.clear_pairs));
  std::printf("accept decisions (one-sided Wilcoxon on per-sample scores, candidate vs incumbent):\n");
  std::printf("%8s | %-34s | %-34s | %s\n", "level", "improved: accepted fixed / bt, same",
              "null: accepted fixed / bt, same", "same overall");
  for (size_t l = 0; l < k_levels.size(); ++l) {
    const auto& fixed = counts.fixed_accepts[l];
    const auto& early = counts.early_accepts[l];
    const auto& same = counts.same[l];
    std::printf("%8.3g | %9.1f%% / %5.1f%%, %6.2f%%        | %9.2f%% / %5.2f%%, %6.2f%%       | %.2f%%\n",
                k_levels[l], percent(fixed[0], counts.trials), percent(early[0], counts.trials),
                percent(same[0], counts.trials), percent(fixed[1], counts.trials), percent(early[1], counts.trials),
                percent(same[1], counts.trials), percent(same[0] + same[1], 2 * counts.trials));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int trials = argc > 1 ? std::atoi(argv[1]) : 2000;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  if (trials < 1) {
    std::fprintf(stderr, "usage: bench_judge_votes [trials >= 1] [seed]\n");
    return 1;
  }
  if (!check_composition(seed)) {
    std::fprintf(stderr, "all_settled / sample_score composed here differ from nodes/judge_votes.h: update the bench\n");
    return 1;
  }
  std::printf(
      "judge: %d criteria per sample, one call answers all of a sample's criteria; fixed: V calls per "
      "sample;\nbradley-terry: at most V, stopping when every criterion is settled. True YES "
      "probability per\ncriterion-sample: clear-cut (%.2f or %.2f) or close (uniform %.1f-%.1f); "
      "%.0f%% of votes missing;\nimproved candidate: each failing pair passes (q -> 1 - q) with "
      "probability %.1f. seed %llu\n",
      k_criteria, k_clear_low, 1 - k_clear_low, k_close_low, 1 - k_close_low, 100 * k_missing, k_fix_chance,
      static_cast<unsigned long long>(seed));
  for (int samples : {10, 30}) {
    Setup setup;
    setup.samples = samples;
    report(setup, simulate(setup, trials, mix_seed(seed, static_cast<uint64_t>(samples))));
  }

  // One close criterion keeps its whole sample voting, so the saving depends on how many
  // criteria are close calls, and on how far V is above the 5 unanimous votes a settled
  // criterion needs at the least.
  std::printf(
      "\nover the share of close pairs and V (10 samples per candidate, %d triples): calls per sample,\n"
      "`passed` agreement, and accept decisions at level 0.05 that are the same (improved; null)\n",
      trials);
  std::printf("%6s %4s | %7s %7s %7s | %8s | %-17s\n", "close", "V", "fixed", "bt", "saved", "passed", "same decision");
  for (double close_share : {0.0, 0.1, 0.2, 0.4})
    for (int votes : {10, 20}) {
      Setup setup;
      setup.close_share = close_share;
      setup.votes = votes;
      Counts c = simulate(setup, trials, mix_seed(seed, 1000 + static_cast<uint64_t>(100 * close_share) + votes));
      const double fixed_calls = calls_per_sample(c.fixed_calls, c), early_calls = calls_per_sample(c.early_calls, c);
      std::printf("%5.0f%% %4d | %7.2f %7.2f %6.1f%% | %7.2f%% | %6.2f%%; %6.2f%%\n", 100 * close_share, votes, fixed_calls,
                  early_calls, 100 * (1 - early_calls / fixed_calls), percent(c.agree, c.pairs),
                  percent(c.same[0][0], c.trials), percent(c.same[0][1], c.trials));
    }
  return 0;
}
