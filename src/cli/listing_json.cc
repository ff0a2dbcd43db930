#include "cli/listing_json.h"

#include <algorithm>

#include <fmt/format.h>

#include "cli/deploy_status.h"
#include "cli/history_entry.h"
#include "cli/judge_report.h"
#include "cli/record_lookup.h"
#include "cli/running_build.h"
#include "cli/search_report.h"
#include "graph/failure_category.h"
#include "graph/ledger.h"
#include "graph/llm_budget.h"
#include "graph/retry_plan.h"
#include "graph/target_state.h"
#include "nodes/node.h"
#include "proc/lock_file.h"

namespace anneal::cli {

namespace {

/// How much of one log `show --json` carries: enough for any log a person reads in a page,
/// bounded so one runaway node cannot make the answer huge.
constexpr size_t k_log_limit = 1 << 20;

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

/// A node's text blobs (stdout, stderr, the reply, the patch…), each cut at k_log_limit.
nlohmann::json node_logs(Project& project, const nodes::NodeResult& result) {
  nlohmann::json logs = nlohmann::json::object();
  for (const char* name : {"reply", "output", "stdout", "stderr", "patch", "transcript"}) {
    auto it = result.blobs.find(name);
    if (it == result.blobs.end())
      continue;
    auto digest = cache::Digest::from_hex(it->second);
    auto bytes = digest ? project.workspace.store().get_blob(*digest) : std::nullopt;
    if (!bytes) {
      logs[name] = nullptr;  // named by the result, gone from the cache
      continue;
    }
    if (bytes->size() > k_log_limit)
      *bytes = bytes->substr(0, k_log_limit) + fmt::format("\n… ({} bytes more)\n", bytes->size() - k_log_limit);
    logs[name] = *bytes;  // any bytes: printed with dump_json, invalid UTF-8 becomes U+FFFD
  }
  return logs;
}

}  // namespace

nlohmann::json history_listing(const std::vector<nlohmann::json>& records, bool with_run) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : records) {
    nlohmann::json e = history_entry(r);
    if (with_run)
      e["run"] = r.at("run");
    out.push_back(std::move(e));
  }
  return out;
}

Result<nlohmann::json> failures_json(Project& project, const std::string& target, size_t last) {
  auto records = current_run(project, target);
  if (!records)
    return std::unexpected(records.error());
  std::vector<nlohmann::json> experiments;
  for (auto& r : graph::latest_attempts(*records))
    if (r.value("id", 0) > 0)
      experiments.push_back(std::move(r));
  if (experiments.size() > last)
    experiments.erase(experiments.begin(), experiments.end() - static_cast<std::ptrdiff_t>(last));
  nlohmann::json out = graph::failure_distribution(experiments).to_json();
  out["window"] = last;
  out["first"] = experiments.empty() ? nlohmann::json(nullptr) : experiments.front().at("id");
  out["last"] = experiments.empty() ? nlohmann::json(nullptr) : experiments.back().at("id");
  return out;
}

Result<nlohmann::json> status_json(Project& project, const std::vector<std::string>& names) {
  auto targets = select_targets(project.annealfile, names, false);
  if (!targets)
    return std::unexpected(targets.error());
  nlohmann::json out = nlohmann::json::array();
  for (const graph::Target* target : *targets) {
    auto state = graph::inspect_target(project.workspace, project.annealfile, *target, std::nullopt);
    nlohmann::json entry = {{"name", target->name}, {"experiments", 0},  {"baseline_score", nullptr},
                            {"best_score", nullptr}, {"commit", nullptr}, {"spent_usd", 0.0}};
    // What "best" means, so a reader of the scores (the dashboard's chart) need not guess.
    nlohmann::json objectives = nlohmann::json::array();
    for (const auto& o : target->objectives)
      objectives.push_back({{"metric", o.metric},
                            {"direction", o.direction == graph::Direction::Minimize ? "minimize" : "maximize"}});
    if (objectives.empty())
      objectives.push_back({{"metric", target->objective.metric},
                            {"direction", target->objective.direction == graph::Direction::Minimize ? "minimize" : "maximize"}});
    entry["objectives"] = std::move(objectives);
    std::string state_text;
    if (!state) {
      state_text = "waiting: " + state.error().message;
    } else {
      if (state->last) {
        auto position = graph::recorded_position(*state->last);
        entry["experiments"] = position.finished();
        entry["unfinished"] = position.unfinished;
        entry["baseline_score"] = optional_json(position.baseline_score);
        entry["best_score"] = optional_json(position.best_score);
        entry["commit"] = position.best.empty() ? nlohmann::json(nullptr) : nlohmann::json(position.best);
        entry["spent_usd"] = position.spent_usd;
        // The commit the target's run stands on (its baseline); `state` says when HEAD left it.
        entry["stands_on"] = state->last->value("baseline", "");
      }
      switch (state->kind) {
        case graph::TargetState::Kind::New: state_text = "not built"; break;
        case graph::TargetState::Kind::Replay: state_text = "out of date: " + state->reason; break;
        case graph::TargetState::Kind::Resume: state_text = "in progress: " + state->reason; break;
        case graph::TargetState::Kind::UpToDate: state_text = "up to date"; break;
      }
      entry["budget"] = state->budget;
    }
    // Money actually paid for LLM calls (cached replies are free), by calendar day.
    auto spend = graph::target_spend(project.workspace, target->name);
    if (!spend)
      return std::unexpected(spend.error());
    entry["spent_today_usd"] = spend->today;
    entry["spent_total_usd"] = spend->total;
    if (target->budget.usd_per_day)
      entry["usd_per_day"] = *target->budget.usd_per_day;
    auto running = running_build(project.workspace, target->name);
    entry["running"] = running ? running_json(*running) : nlohmann::json(nullptr);
    if (running)
      state_text = running_text(*running, target->name);
    entry["state"] = state_text;
    if (target->judge && state && state->last) {
      auto ledger = graph::Ledger::open(project.workspace.ledger_path(target->name));
      if (!ledger)
        return std::unexpected(ledger.error());
      auto judged = judge_status(*ledger);
      if (!judged)
        return std::unexpected(judged.error());
      entry["judge"] = *judged;
    }
    if (state && state->last) {
      auto failures = failures_json(project, target->name, k_failure_window);
      if (!failures)
        return std::unexpected(failures.error());
      entry["failures"] = std::move(*failures);
      auto ledger = graph::Ledger::open(project.workspace.ledger_path(target->name));
      if (!ledger)
        return std::unexpected(ledger.error());
      auto searched = search_status(*target, *ledger);
      if (!searched)
        return std::unexpected(searched.error());
      if (!searched->is_null())
        entry["search"] = *searched;
    }
    if (!target->deploy.empty()) {
      auto deploy = deploy_status_json(project, *target);
      if (!deploy)
        return std::unexpected(deploy.error());
      entry["deploy"] = std::move(*deploy);
    }
    out.push_back(entry);
  }
  return out;
}

Result<nlohmann::json> history_json(Project& project, const std::string& name) {
  auto records = current_run(project, name);
  if (!records)
    return std::unexpected(records.error());
  return history_listing(graph::latest_attempts(*records), false);
}

std::optional<std::string> experiment_patch(Project& project, const nlohmann::json& r) {
  if (!r.value("commit", nlohmann::json()).is_string() || !r.value("parent", nlohmann::json()).is_string())
    return std::nullopt;
  auto repo = project.workspace.repo();
  if (!repo)
    return std::nullopt;
  auto patch = (*repo)->diff_patch(r.at("parent").get<std::string>(), r.at("commit").get<std::string>());
  if (!patch)
    return std::nullopt;
  return *patch;
}

std::string no_match_message(const std::string& hash) {
  return fmt::format("no experiment, commit or node matches '{}'", hash);
}

Result<Shown> find_shown(Project& project, const std::string& hash) {
  auto records = find_records(project, hash);
  if (!records)
    return std::unexpected(records.error());
  if (records->size() > 1)
    return fail(fmt::format("'{}' is ambiguous: it names {} experiments; give more digits", hash, records->size()));
  if (records->size() == 1)
    return Shown{records->front(), std::nullopt};
  auto nodes_found = find_nodes(project, hash);
  if (nodes_found.size() > 1)
    return fail(fmt::format("'{}' is ambiguous: it names {} nodes; give more digits", hash, nodes_found.size()));
  if (nodes_found.size() == 1)
    return Shown{std::nullopt, nodes_found.front()};
  return Shown{};
}

Result<std::optional<nlohmann::json>> show_json(Project& project, const std::string& hash) {
  auto shown = find_shown(project, hash);
  if (!shown)
    return std::unexpected(shown.error());
  if (shown->experiment) {
    const auto& [target, r] = *shown->experiment;
    nlohmann::json e = history_entry(r);
    e["target"] = target;
    auto patch = experiment_patch(project, r);
    e["diff"] = patch ? nlohmann::json(*patch) : nlohmann::json(nullptr);
    nlohmann::json listed = nlohmann::json::array();
    for (const auto& node : experiment_nodes(project, r)) {
      nlohmann::json n = {{"key", node.key}, {"draft", node.draft}, {"what", node.what}, {"outcome", nullptr},
                          {"cached", node.cached ? nlohmann::json(*node.cached) : nlohmann::json(nullptr)}};
      if (node.result) {
        n["outcome"] = nodes::outcome_name(node.result->outcome);
        n["duration_s"] = node.result->duration_s;
        n["detail"] = node.result->detail;
        n["unfinished"] = node.result->unfinished;
        if (node.result->score)
          n["score"] = *node.result->score;
      }
      listed.push_back(std::move(n));
    }
    e["nodes"] = std::move(listed);
    return e;
  }
  if (!shown->node)
    return std::optional<nlohmann::json>();
  const cache::Digest& key = *shown->node;
  auto spec = project.workspace.load_spec(key);
  if (!spec)
    return std::unexpected(spec.error());
  auto result = nodes::latest_result(project.workspace.store(), key);
  nlohmann::json out = {{"key", key.hex()}, {"spec", spec->json}, {"result", result ? result->to_json() : nlohmann::json(nullptr)}};
  if (result)
    out["logs"] = node_logs(project, *result);
  return out;
}

}  // namespace anneal::cli
