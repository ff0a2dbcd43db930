#include "cli/deploy_status.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "graph/deploy_record.h"

namespace anneal::cli {

namespace {

/// Candidates waiting shown one per line; the rest are counted.
constexpr size_t k_waiting_shown = 3;

std::string short_key(const nlohmann::json& d) { return d.value("key", "").substr(0, 16); }

}  // namespace

Result<nlohmann::json> deploy_status_json(Project& project, const graph::Target& target) {
  auto ledger = open_ledger(project, target.name);
  if (!ledger)
    return std::unexpected(ledger.error());
  auto recorded = graph::recorded_deployments(*ledger);
  if (!recorded)
    return std::unexpected(recorded.error());
  std::vector<graph::Deployment> all = std::move(*recorded);
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.experiment > b.experiment; });
  nlohmann::json out = {{"tiers", nlohmann::json::array()}, {"waiting", nlohmann::json::array()}, {"latest", nullptr}};
  for (const auto& tier : target.deploy)
    out["tiers"].push_back({{"name", tier.name}, {"approve", tier.approve}});
  for (const auto& d : all)
    if (d.waiting())
      out["waiting"].push_back(graph::deployment_json(d));
  if (!all.empty())
    out["latest"] = graph::deployment_json(all.front());
  return out;
}

void print_deploy_status(const std::string& target, const nlohmann::json& deploy) {
  const nlohmann::json& waiting = deploy["waiting"];
  for (size_t i = 0; i < waiting.size() && i < k_waiting_shown; ++i) {
    const nlohmann::json& d = waiting[i];
    fmt::print("  waits for approval: #{} ({}) at tier {} since {}: anneal approve {} {} --tier {}\n",
               d.value("experiment", 0), short_key(d), d.value("tier", ""), d.value("time", ""), target, short_key(d),
               d.value("tier", ""));
  }
  if (waiting.size() > k_waiting_shown)
    fmt::print("  … and {} older candidate(s) waiting (anneal status {} --json lists them)\n",
               waiting.size() - k_waiting_shown, target);
  const nlohmann::json& latest = deploy["latest"];
  if (!latest.is_object() || latest.value("step", "") == "waiting")
    return;
  std::string step = latest.value("step", ""), where;
  std::vector<std::string> deployed = latest.value("deployed", std::vector<std::string>{});
  if (step == "failed")
    where = fmt::format("failed at tier {}: {}", latest.value("tier", ""), latest.value("detail", ""));
  else if (step == "rejected")
    where = fmt::format("rejected at tier {} by {} ({})", latest.value("tier", ""), latest.value("by", ""),
                        latest.value("time", ""));
  else
    where = fmt::format("deployed to {}", fmt::join(deployed, ", "));
  fmt::print("  deployment: #{} ({}) {}\n", latest.value("experiment", 0), short_key(latest), where);
}

}  // namespace anneal::cli
