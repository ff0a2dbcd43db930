#include "nodes/node_result.h"

#include <array>

#include <fmt/format.h>

namespace anneal::nodes {

namespace {
constexpr std::array<std::string_view, 7> k_outcome_names = {"ok",      "failed",  "rejected", "blocked",
                                                              "crashed", "skipped", "unchanged"};
}

std::string_view outcome_name(Outcome outcome) {
  return k_outcome_names[static_cast<size_t>(outcome)];
}

std::optional<Outcome> outcome_from_name(std::string_view name) {
  for (size_t i = 0; i < k_outcome_names.size(); ++i)
    if (k_outcome_names[i] == name)
      return static_cast<Outcome>(i);
  return std::nullopt;
}

nlohmann::json NodeResult::to_json() const {
  nlohmann::json j = {{"v", k_result_version},
                      {"outcome", outcome_name(outcome)},
                      {"duration_s", duration_s},
                      {"cost_usd", cost_usd}};
  if (!detail.empty())
    j["detail"] = detail;
  if (exit_code)
    j["exit_code"] = *exit_code;
  j["score"] = score ? nlohmann::json(*score) : nlohmann::json(nullptr);
  if (!samples.empty())
    j["samples"] = samples;
  if (!blobs.empty())
    j["blobs"] = blobs;
  if (!commit.empty())
    j["commit"] = commit;
  if (!tree.empty())
    j["tree"] = tree;
  if (!parent.empty())
    j["parent"] = parent;
  if (!hypothesis.empty())
    j["hypothesis"] = hypothesis;
  if (!violations.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& v : violations)
      list.push_back({{"path", v.path}, {"reason", v.reason}});
    j["violations"] = list;
  }
  if (!decision.is_null())
    j["decision"] = decision;
  if (!judgement.is_null())
    j["judgement"] = judgement;
  if (input_tokens || output_tokens)
    j["tokens"] = {{"input", input_tokens}, {"output", output_tokens}};
  if (unfinished)
    j["unfinished"] = true;
  return j;
}

Result<NodeResult> NodeResult::from_json(const nlohmann::json& j) {
  try {
    if (!j.is_object() || j.value("v", 0) != k_result_version)
      return fail("not a version 1 action result");
    NodeResult r;
    auto outcome = outcome_from_name(j.at("outcome").get<std::string>());
    if (!outcome)
      return fail(fmt::format("unknown outcome '{}'", j.at("outcome").get<std::string>()));
    r.outcome = *outcome;
    r.detail = j.value("detail", "");
    if (j.contains("exit_code"))
      r.exit_code = j.at("exit_code").get<int>();
    if (j.contains("score") && !j.at("score").is_null())
      r.score = j.at("score").get<double>();
    r.samples = j.value("samples", std::vector<double>{});
    r.duration_s = j.value("duration_s", 0.0);
    r.cost_usd = j.value("cost_usd", 0.0);
    r.blobs = j.value("blobs", std::map<std::string, std::string>{});
    r.commit = j.value("commit", "");
    r.tree = j.value("tree", "");
    r.parent = j.value("parent", "");
    r.hypothesis = j.value("hypothesis", "");
    if (j.contains("violations"))
      for (const auto& v : j.at("violations"))
        r.violations.push_back({v.at("path").get<std::string>(), v.at("reason").get<std::string>()});
    if (j.contains("decision"))
      r.decision = j.at("decision");
    if (j.contains("judgement"))
      r.judgement = j.at("judgement");
    if (j.contains("tokens")) {
      r.input_tokens = j.at("tokens").value("input", int64_t{0});
      r.output_tokens = j.at("tokens").value("output", int64_t{0});
    }
    r.unfinished = j.value("unfinished", false);
    return r;
  } catch (const nlohmann::json::exception& e) {
    return fail(fmt::format("malformed action result: {}", e.what()));
  }
}

Result<NodeResult> NodeResult::parse(std::string_view payload) {
  try {
    return from_json(nlohmann::json::parse(payload));
  } catch (const nlohmann::json::exception& e) {
    return fail(fmt::format("malformed action result: {}", e.what()));
  }
}

}  // namespace anneal::nodes
