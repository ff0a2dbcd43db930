#include "stats/acceptance_rule.h"

#include <cmath>

#include <fmt/format.h>

namespace anneal::stats {

namespace {

/// A full window is the start of the next one. So is one fuller than the rule's window, as
/// after the window was made smaller between runs.
AcceptanceWindow current(const AcceptanceRule& rule, const AcceptanceWindow& window) {
  return window.tested >= rule.window ? AcceptanceWindow{} : window;
}

Result<void> check_window(const AcceptanceWindow& window) {
  if (window.tested < 0 || window.accepted < 0 || window.accepted > window.tested)
    return fail(fmt::format("acceptance window: {} accepted of {} tested is not a window state",
                            window.accepted, window.tested));
  return {};
}

}  // namespace

Result<void> AcceptanceRule::validate() const {
  // Negated so that NaN is refused too.
  if (!(alpha > 0 && alpha < 1))
    return fail(fmt::format("acceptance rule: alpha must be in (0, 1), not {}", alpha));
  if (window < 1)
    return fail(fmt::format("acceptance rule: window must be >= 1, not {}", window));
  return {};
}

Result<AcceptanceWindow> AcceptanceWindow::from_json(const nlohmann::json& j) {
  auto count = [&](const char* key) -> Result<int> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() < 0)
      return fail(fmt::format("acceptance window: '{}' must be a non-negative integer in {}", key, j.dump()));
    return it->get<int>();
  };
  if (!j.is_object())
    return fail(fmt::format("acceptance window: expected an object, not {}", j.dump()));
  auto tested = count("tested");
  if (!tested)
    return std::unexpected(tested.error());
  auto accepted = count("accepted");
  if (!accepted)
    return std::unexpected(accepted.error());
  if (*accepted > *tested)
    return fail(fmt::format("acceptance window: more accepted than tested in {}", j.dump()));
  return AcceptanceWindow{*tested, *accepted};
}

nlohmann::json AcceptanceWindow::to_json() const {
  return {{"tested", tested}, {"accepted", accepted}};
}

double next_level(const AcceptanceRule& rule, const AcceptanceWindow& window) {
  AcceptanceWindow now = current(rule, window);
  return rule.alpha / static_cast<double>(rule.window - now.accepted);
}

Result<AcceptanceVerdict> decide_acceptance(const AcceptanceRule& rule, const AcceptanceWindow& window,
                                            double pvalue) {
  if (auto valid = rule.validate(); !valid)
    return std::unexpected(valid.error());
  if (auto fits = check_window(window); !fits)
    return std::unexpected(fits.error());
  if (!std::isnan(pvalue) && !(pvalue >= 0 && pvalue <= 1))
    return fail(fmt::format("acceptance rule: a p-value must be in [0, 1], not {}", pvalue));

  AcceptanceWindow now = current(rule, window);
  AcceptanceVerdict verdict;
  verdict.pvalue = pvalue;
  verdict.level = next_level(rule, now);
  verdict.accept = !std::isnan(pvalue) && pvalue <= verdict.level;
  const std::string place = fmt::format("online Holm, {} of {} in the window", now.tested + 1, rule.window);
  if (std::isnan(pvalue))
    verdict.reason = fmt::format("no p-value: refused ({})", place);
  else
    verdict.reason = fmt::format("p={:.4g} {} {:.4g} = {}/({}-{}) ({})", pvalue, verdict.accept ? "<=" : ">",
                                 verdict.level, rule.alpha, rule.window, now.accepted, place);
  verdict.next = now;
  ++verdict.next.tested;
  if (verdict.accept)
    ++verdict.next.accepted;
  return verdict;
}

Result<int> min_wilcoxon_pairs(double level) {
  if (!(level > 0 && level <= 1))
    return fail(fmt::format("min_wilcoxon_pairs: level must be in (0, 1], not {}", level));
  int n = 1;
  while (std::ldexp(1.0, -n) > level)
    ++n;
  return n;
}

}  // namespace anneal::stats
