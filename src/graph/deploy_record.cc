#include "graph/deploy_record.h"

#include <algorithm>

#include <fmt/format.h>

namespace anneal::graph {

bool Deployment::approved_for(std::string_view tier) const {
  return std::find(approved.begin(), approved.end(), tier) != approved.end();
}

nlohmann::json deploy_step(const Deployment& candidate, std::string_view tier, std::string_view step) {
  return {{"record", k_deploy_record},
          {"experiment", candidate.experiment},
          {"key", candidate.key},
          {"commit", candidate.commit},
          {"score", candidate.score ? nlohmann::json(*candidate.score) : nlohmann::json(nullptr)},
          {"tier", tier},
          {"step", step}};
}

void add_step(Deployment& d, const nlohmann::json& r) {
  d.commit = r.value("commit", d.commit);
  d.experiment = r.value("experiment", d.experiment);
  d.key = r.value("key", d.key);
  if (auto score = r.find("score"); score != r.end() && score->is_number())
    d.score = score->get<double>();
  d.tier = r.value("tier", "");
  d.step = r.value("step", "");
  d.time = r.value("time", "");
  d.detail = d.step == "failed" ? r.value("detail", "") : "";
  if (d.step == "approved" || d.step == "rejected")
    d.by = r.value("by", "");
  if (d.step == "approved")
    d.approved.push_back(d.tier);
  if (d.step == "ran")
    d.deployed.push_back(d.tier);
}

std::vector<Deployment> deployments(const std::vector<nlohmann::json>& records) {
  std::vector<Deployment> out;
  for (const auto& r : records) {
    std::string commit = r.value("commit", "");
    if (commit.empty())
      continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const Deployment& d) { return d.commit == commit; });
    if (it == out.end()) {
      out.push_back({});
      it = std::prev(out.end());
    }
    add_step(*it, r);
  }
  return out;
}

const Deployment* find_deployment(const std::vector<Deployment>& all, std::string_view commit) {
  for (const auto& d : all)
    if (d.commit == commit)
      return &d;
  return nullptr;
}

nlohmann::json deployment_json(const Deployment& d) {
  nlohmann::json j = {{"experiment", d.experiment}, {"key", d.key},   {"commit", d.commit},
                      {"tier", d.tier},             {"step", d.step}, {"time", d.time},
                      {"approved", d.approved},     {"deployed", d.deployed}};
  if (!d.by.empty())
    j["by"] = d.by;
  if (!d.detail.empty())
    j["detail"] = d.detail;
  j["score"] = d.score ? nlohmann::json(*d.score) : nlohmann::json(nullptr);
  return j;
}

std::string candidate_name(const Deployment& d) {
  return fmt::format("#{} ({})", d.experiment, d.key.substr(0, 16));
}

Result<std::vector<Deployment>> recorded_deployments(const Ledger& ledger) {
  auto steps = ledger.records_of(k_deploy_record);
  if (!steps)
    return std::unexpected(steps.error());
  return deployments(*steps);
}

}  // namespace anneal::graph
