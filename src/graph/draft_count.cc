#include "graph/draft_count.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace anneal::graph {

namespace {

struct Window {
  int survived = 0;
  int drafted = 0;
};

Window window_of(const SearchPosition& position) {
  Window w;
  for (const auto& [survived, drafted] : position.draft_survival) {
    w.survived += survived;
    w.drafted += drafted;
  }
  return w;
}

bool survived(const std::string& outcome) {
  // A duplicate's tree was measured before: it adds nothing, as a draft that failed does not.
  return outcome == "survived" || outcome == "kept" || outcome == "discarded";
}

}  // namespace

int draft_count(const Target& target, const SearchPosition& position) {
  if (!target.drafts_auto)
    return target.drafts;
  const DraftBounds& bounds = *target.drafts_auto;
  Window w = window_of(position);
  double s = (w.survived + 1.0) / (w.drafted + 2.0);
  // Less a hair, so that a ratio of exactly 1 in exact arithmetic is not rounded up to 2.
  double wanted = std::ceil(std::log(1.0 - k_wanted_survival) / std::log1p(-s) - 1e-9);
  return static_cast<int>(std::clamp(wanted, static_cast<double>(bounds.min), static_cast<double>(bounds.max)));
}

nlohmann::json draft_count_json(const Target& target, const SearchPosition& position, size_t count) {
  if (!target.drafts_auto)
    return nullptr;
  Window w = window_of(position);
  return {{"count", count}, {"survived", w.survived}, {"drafted", w.drafted}};
}

void count_draft_survival(const Target& target, const nlohmann::json& decision, SearchPosition& next) {
  if (!target.drafts_auto)
    return;
  std::pair<int, int> counted{0, 0};
  const nlohmann::json drafts = decision.value("drafts", nlohmann::json::array());
  if (drafts.is_array() && !drafts.empty()) {
    for (const auto& d : drafts) {
      ++counted.second;
      counted.first += survived(d.value("outcome", "")) ? 1 : 0;
    }
  } else {
    counted = {survived(decision.value("outcome", "")) ? 1 : 0, 1};
  }
  next.draft_survival.push_back(counted);
  while (next.draft_survival.size() > k_survival_window)
    next.draft_survival.erase(next.draft_survival.begin());
}

}  // namespace anneal::graph
