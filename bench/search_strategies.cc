// Arithmetic for bench/search_strategies.sh: reads the ledger of one `anneal build` run on a
// synthetic landscape and says after how many evaluations the search came within 1% of the
// optimum, then turns the runs of every strategy into the benchmark's tables.
//
// An evaluation is one candidate whose stage ran: a ledger record after the baseline with
// the stage's score in "scores", or, when the record lists "drafts", each draft that has it
// (in its "scores", or, with one objective, its "score"); a `duplicate` is none (its tree was
// measured before, so its stages did not run).
// Records are taken from the current generation (after the last id-0 record), by id.
//
//   reach LEDGER STAGE F_STAR
//       one objective, minimized, optimum F_STAR: the normalised gap of the best value so far
//       is (best - F_STAR) / (start - F_STAR), start = the baseline's value.
//   reach-front LEDGER STAGE1 STAGE2 R1 R2 HV_STAR
//       two objectives, both minimized: the gap is (HV_STAR - HV) / HV_STAR, HV the
//       hypervolume of every point evaluated so far (the baseline's included) against the
//       reference point (R1, R2), HV_STAR the true front's.
//   Both print "EVALUATIONS REACHED_AT FINAL_GAP": the number of evaluations, the first one
//   after which the gap was <= 0.01 ("-" when none), the gap at the end.
//
//   table RUNS BUDGET [SUMMARY]
//       RUNS holds one tab-separated line per run: landscape, strategy, seed, status ("ok"
//       or a note why it did not run), evaluations, reached_at, final gap. Prints two
//       markdown tables (strategies by landscape): the median over seeds of the evaluations
//       needed (a seed that never got there counts as infinitely many, so the median is
//       "> BUDGET" when half of them or more missed) with how many seeds got there, and the
//       median final gap; then the goal per landscape: auto within 10% of the best fixed
//       strategy, comparing medians of the evaluations needed, or of the final gaps when
//       the best fixed strategy's median is "> BUDGET" too. With SUMMARY, appends one line
//       per landscape in bench/lib.sh's summary format.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

constexpr double k_tolerance = 0.01;  ///< "within 1% of the optimum"
constexpr double k_goal_ratio = 1.10;  ///< auto within 10% of the best fixed strategy
constexpr double k_infinity = std::numeric_limits<double>::infinity();

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "bench_search_strategies: %s\n", message.c_str());
  std::exit(1);
}

double number(const char* text) {
  char* end = nullptr;
  double value = std::strtod(text, &end);
  if (end == text || *end != '\0')
    die(std::string("not a number: ") + text);
  return value;
}

/// The current generation's records, ordered by id.
std::vector<nlohmann::json> read_generation(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    die("cannot read " + path);
  std::vector<nlohmann::json> records;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty())
      continue;
    nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object())
      continue;  // a torn last line
    if (record.value("id", -1) == 0)
      records.clear();
    records.push_back(std::move(record));
  }
  std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return a.value("id", 0) < b.value("id", 0);
  });
  if (records.empty() || records.front().value("id", -1) != 0)
    die(path + " has no baseline record");
  return records;
}

/// The stages' values in one "scores" object, when every one of them is a number.
std::optional<std::vector<double>> values(const nlohmann::json& scores,
                                          const std::vector<std::string>& stages) {
  if (!scores.is_object())
    return std::nullopt;
  std::vector<double> out;
  for (const std::string& stage : stages) {
    auto it = scores.find(stage);
    if (it == scores.end() || !it->is_number())
      return std::nullopt;
    out.push_back(it->get<double>());
  }
  return out;
}

/// The start's values and every evaluation's, in order.
struct Trace {
  std::vector<double> start;
  std::vector<std::vector<double>> evaluations;
};

Trace read_trace(const std::string& path, const std::vector<std::string>& stages) {
  std::vector<nlohmann::json> records = read_generation(path);
  Trace trace;
  auto start = values(records.front().value("scores", nlohmann::json()), stages);
  if (!start)
    die(path + ": the baseline has no score for every stage");
  trace.start = *start;
  for (size_t i = 1; i < records.size(); ++i) {
    const nlohmann::json& record = records[i];
    if (record.value("outcome", "") == "duplicate")
      continue;  // a tree measured before: its stages did not run again
    auto drafts = record.find("drafts");
    if (drafts != record.end() && drafts->is_array() && !drafts->empty()) {
      for (const nlohmann::json& draft : *drafts) {
        if (draft.value("outcome", "") == "duplicate")
          continue;
        // A draft records its stages' "scores", or with one objective only its "score".
        auto v = values(draft.value("scores", nlohmann::json()), stages);
        if (!v && stages.size() == 1 && draft.contains("score") && draft["score"].is_number())
          v = std::vector<double>{draft["score"].get<double>()};
        if (v)
          trace.evaluations.push_back(*v);
      }
    } else if (auto v = values(record.value("scores", nlohmann::json()), stages)) {
      trace.evaluations.push_back(*v);
    }
  }
  return trace;
}

void print_reach(size_t evaluations, std::optional<size_t> reached_at, double gap) {
  if (reached_at)
    std::printf("%zu %zu %.6g\n", evaluations, *reached_at, gap);
  else
    std::printf("%zu - %.6g\n", evaluations, gap);
}

int reach_single(const std::string& ledger, const std::string& stage, double optimum) {
  Trace trace = read_trace(ledger, {stage});
  const double span = trace.start[0] - optimum;
  if (!(span > 0))
    die("the start is already at the optimum");
  double best = trace.start[0];
  std::optional<size_t> reached_at;
  for (size_t i = 0; i < trace.evaluations.size(); ++i) {
    best = std::min(best, trace.evaluations[i][0]);
    if (!reached_at && (best - optimum) / span <= k_tolerance)
      reached_at = i + 1;
  }
  print_reach(trace.evaluations.size(), reached_at, (best - optimum) / span);
  return 0;
}

/// Hypervolume of `points` (both objectives minimized) against the reference point.
double hypervolume(std::vector<std::vector<double>> points, double r1, double r2) {
  std::sort(points.begin(), points.end());
  double volume = 0;
  double lowest = r2;  // the lowest f2 among points with a smaller f1
  for (const auto& p : points) {
    if (p[0] >= r1 || p[1] >= lowest)
      continue;
    volume += (r1 - p[0]) * (lowest - p[1]);
    lowest = p[1];
  }
  return volume;
}

int reach_front(const std::string& ledger, const std::string& stage1, const std::string& stage2,
                double r1, double r2, double true_volume) {
  Trace trace = read_trace(ledger, {stage1, stage2});
  std::vector<std::vector<double>> seen = {trace.start};
  std::optional<size_t> reached_at;
  double gap = (true_volume - hypervolume(seen, r1, r2)) / true_volume;
  for (size_t i = 0; i < trace.evaluations.size(); ++i) {
    seen.push_back(trace.evaluations[i]);
    gap = (true_volume - hypervolume(seen, r1, r2)) / true_volume;
    if (!reached_at && gap <= k_tolerance)
      reached_at = i + 1;
  }
  print_reach(trace.evaluations.size(), reached_at, gap);
  return 0;
}

// ---- table -----------------------------------------------------------------------------

struct Cell {
  std::vector<double> needed;  ///< per seed; infinity when the seed never got there
  std::vector<double> gaps;
  std::string note;            ///< why the strategy did not run, if it did not
  int reached() const {
    return static_cast<int>(std::count_if(needed.begin(), needed.end(), [](double n) { return std::isfinite(n); }));
  }
};

double median(std::vector<double> v) {
  if (v.empty())
    return std::nan("");
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;  // inf + x = inf
}

std::string evaluations_text(double n, int budget) {
  if (std::isnan(n))
    return "–";
  if (!std::isfinite(n))
    return "> " + std::to_string(budget);
  char text[32];
  std::snprintf(text, sizeof text, n == std::floor(n) ? "%.0f" : "%.1f", n);
  return text;
}

int table(const std::string& runs_path, int budget, const char* summary_path) {
  std::ifstream in(runs_path);
  if (!in)
    die("cannot read " + runs_path);
  std::vector<std::string> landscapes, strategies;
  std::map<std::pair<std::string, std::string>, Cell> cells;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string field; std::getline(fields, field, '\t');)
      f.push_back(field);
    if (f.size() < 4)
      continue;
    if (std::find(landscapes.begin(), landscapes.end(), f[0]) == landscapes.end())
      landscapes.push_back(f[0]);
    if (std::find(strategies.begin(), strategies.end(), f[1]) == strategies.end())
      strategies.push_back(f[1]);
    Cell& cell = cells[{f[0], f[1]}];
    if (f[3] != "ok" || f.size() < 7) {
      cell.note = f[3];
      continue;
    }
    cell.needed.push_back(f[5] == "-" ? k_infinity : number(f[5].c_str()));
    cell.gaps.push_back(number(f[6].c_str()));
  }

  std::printf("evaluations to come within 1%% of the optimum: median over seeds (seeds that got there)\n\n");
  std::printf("| strategy |");
  for (const auto& l : landscapes)
    std::printf(" %s |", l.c_str());
  std::printf("\n|---|");
  for (size_t i = 0; i < landscapes.size(); ++i)
    std::printf("---|");
  std::printf("\n");
  // Why a strategy did not run, each reason once, numbered in order of appearance.
  std::vector<std::pair<std::string, std::vector<std::string>>> notes;
  auto note_number = [&](const std::string& note, const std::string& where) {
    for (size_t i = 0; i < notes.size(); ++i)
      if (notes[i].first == note) {
        notes[i].second.push_back(where);
        return i + 1;
      }
    notes.push_back({note, {where}});
    return notes.size();
  };
  for (const auto& s : strategies) {
    std::printf("| %s |", s.c_str());
    for (const auto& l : landscapes) {
      auto it = cells.find({l, s});
      if (it == cells.end()) {
        std::printf(" |");
      } else if (it->second.needed.empty()) {
        std::printf(" not run [%zu] |", note_number(it->second.note, s + " on " + l));
      } else {
        const Cell& c = it->second;
        std::printf(" %s (%d/%zu) |", evaluations_text(median(c.needed), budget).c_str(), c.reached(),
                    c.needed.size());
      }
    }
    std::printf("\n");
  }
  if (!notes.empty())
    std::printf("\n");
  for (size_t i = 0; i < notes.size(); ++i) {
    std::string where;
    for (const auto& w : notes[i].second)
      where += (where.empty() ? "" : ", ") + w;
    std::printf("[%zu] %s: %s\n", i + 1, where.c_str(), notes[i].first.c_str());
  }
  std::printf("\nnormalised gap left after the budget: median over seeds\n\n");
  std::printf("| strategy |");
  for (const auto& l : landscapes)
    std::printf(" %s |", l.c_str());
  std::printf("\n|---|");
  for (size_t i = 0; i < landscapes.size(); ++i)
    std::printf("---|");
  std::printf("\n");
  for (const auto& s : strategies) {
    std::printf("| %s |", s.c_str());
    for (const auto& l : landscapes) {
      auto it = cells.find({l, s});
      if (it == cells.end() || it->second.gaps.empty())
        std::printf(" – |");
      else
        std::printf(" %.3g |", median(it->second.gaps));
    }
    std::printf("\n");
  }

  std::printf("\ngoal: auto within 10%% of the best fixed strategy on every landscape\n");
  FILE* summary = summary_path ? std::fopen(summary_path, "a") : nullptr;
  for (const auto& l : landscapes) {
    auto automatic = cells.find({l, "auto"});
    if (automatic == cells.end() || automatic->second.needed.empty()) {
      std::printf("  %-11s auto did not run\n", l.c_str());
      continue;
    }
    // The best fixed strategy: fewest evaluations needed, then the smallest gap.
    std::string best;
    double best_needed = k_infinity, best_gap = k_infinity;
    for (const auto& s : strategies) {
      auto it = cells.find({l, s});
      if (s == "auto" || it == cells.end() || it->second.needed.empty())
        continue;
      double n = median(it->second.needed), g = median(it->second.gaps);
      if (best.empty() || n < best_needed || (n == best_needed && g < best_gap))
        best = s, best_needed = n, best_gap = g;
    }
    if (best.empty()) {
      std::printf("  %-11s no fixed strategy ran\n", l.c_str());
      continue;
    }
    double auto_needed = median(automatic->second.needed), auto_gap = median(automatic->second.gaps);
    bool by_gap = !std::isfinite(best_needed);
    double ratio = by_gap ? (best_gap > 0 ? auto_gap / best_gap : (auto_gap > 0 ? k_infinity : 1))
                          : auto_needed / best_needed;
    bool met = ratio <= k_goal_ratio;
    auto figure = [&](double needed, double gap) {
      if (!by_gap)
        return evaluations_text(needed, budget);
      char text[32];
      std::snprintf(text, sizeof text, "%.3g", gap);
      return std::string(text);
    };
    auto shown = [&](double needed, double gap) {
      std::string text = by_gap ? "gap " : "";
      text.append(figure(needed, gap));
      return text;
    };
    char ratio_text[32];
    std::snprintf(ratio_text, sizeof ratio_text, std::isfinite(ratio) ? "%.2f" : "inf", ratio);
    std::printf("  %-11s auto %s, best fixed (%s) %s: ratio %s, %s\n", l.c_str(),
                shown(auto_needed, auto_gap).c_str(), best.c_str(), shown(best_needed, best_gap).c_str(),
                ratio_text, met ? "met" : "MISSED");
    if (summary)
      std::fprintf(summary, "search_strategies\t%s\t%s\t%s (%s)\t%s\t%s\t<= 1.10\n", l.c_str(),
                   figure(auto_needed, auto_gap).c_str(), figure(best_needed, best_gap).c_str(), best.c_str(),
                   by_gap ? "final gap" : "evaluations", ratio_text);
  }
  if (summary)
    std::fclose(summary);
  return 0;
}

void usage() {
  std::fprintf(stderr,
               "usage: bench_search_strategies reach LEDGER STAGE F_STAR\n"
               "       bench_search_strategies reach-front LEDGER STAGE1 STAGE2 R1 R2 HV_STAR\n"
               "       bench_search_strategies table RUNS BUDGET [SUMMARY]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    usage();
  std::string command = argv[1];
  if (command == "reach" && argc == 5)
    return reach_single(argv[2], argv[3], number(argv[4]));
  if (command == "reach-front" && argc == 8)
    return reach_front(argv[2], argv[3], argv[4], number(argv[5]), number(argv[6]), number(argv[7]));
  if (command == "table" && (argc == 4 || argc == 5))
    return table(argv[2], static_cast<int>(number(argv[3])), argc == 5 ? argv[4] : nullptr);
  usage();
}
