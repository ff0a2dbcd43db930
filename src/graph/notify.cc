#include "graph/notify.h"

#include <stdlib.h>

#include <cctype>
#include <set>

#include <fmt/format.h>

#include "util/clock_text.h"

namespace anneal::graph {

namespace {

std::string score_text(const nlohmann::json& score) {
  return score.is_number() ? fmt::format("{:g}", score.get<double>()) : "-";
}

NotifyEvent event(std::string name, const Target& target, std::string text, const std::filesystem::path& repository) {
  nlohmann::json payload = {{"v", k_notify_version},           {"event", name},
                            {"target", target.name},           {"text", "anneal: " + text},
                            {"time", now_utc_iso()},           {"repository", repository.string()}};
  return {std::move(name), std::move(payload)};
}

/// Copies the experiment's number, key, commit and scores from a ledger record.
void add_experiment(nlohmann::json& payload, const nlohmann::json& record) {
  for (const char* field : {"id", "key", "commit", "score"})
    if (auto it = record.find(field); it != record.end() && !it->is_null())
      payload[std::string_view(field) == "id" ? "experiment" : field] = *it;
  const nlohmann::json state = record.value("state", nlohmann::json::object());
  for (const char* field : {"best_score", "baseline_score"})
    if (auto it = state.find(field); it != state.end() && !it->is_null())
      payload[field] = *it;
}

/// The ${NAME} or $NAME at `at` (which holds '$'): the name and the length written; an empty
/// name when none follows.
std::pair<std::string, size_t> variable_at(std::string_view text, size_t at) {
  auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (at + 1 < text.size() && text[at + 1] == '{') {
    size_t close = text.find('}', at + 2);
    if (close == std::string_view::npos)
      return {"", 1};
    return {std::string(text.substr(at + 2, close - at - 2)), close - at + 1};
  }
  size_t end = at + 1;
  while (end < text.size() && name_char(text[end]))
    ++end;
  return {std::string(text.substr(at + 1, end - at - 1)), end - at};
}

}  // namespace

std::vector<NotifyEvent> experiment_events(const Target& target, const nlohmann::json& record,
                                           const std::filesystem::path& repository) {
  std::vector<NotifyEvent> out;
  int id = record.value("id", 0);
  std::string key = record.value("key", "");
  if (id > 0 && record.value("outcome", "") == "kept") {
    const nlohmann::json state = record.value("state", nlohmann::json::object());
    NotifyEvent e = event("new_best", target,
                          fmt::format("{} has a new best: {} {} at experiment #{} (baseline {}); anneal show {}",
                                      target.name, target.objective.metric, score_text(record.value("score", nlohmann::json())),
                                      id, score_text(state.value("baseline_score", nlohmann::json())),
                                      key.substr(0, 16)),
                          repository);
    add_experiment(e.payload, record);
    out.push_back(std::move(e));
  }
  const nlohmann::json held_out = record.value("held_out", nlohmann::json::object());
  if (held_out.value("warning", false) || held_out.value("paused", false)) {
    bool paused = held_out.value("paused", false);
    NotifyEvent e = event("held_out_divergence", target,
                          fmt::format("{}: the judge's score on held-out samples drifted from its score on the "
                                      "samples after experiment #{} (divergence {}){}",
                                      target.name, id, score_text(held_out.value("divergence", nlohmann::json())),
                                      paused ? "; the target is paused" : ""),
                          repository);
    add_experiment(e.payload, record);
    e.payload["detail"] = held_out;
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<NotifyEvent> deploy_events(const Target& target, const nlohmann::json& step,
                                       const std::filesystem::path& repository) {
  if (step.value("step", "") != "waiting")
    return {};
  std::string key = step.value("key", ""), tier = step.value("tier", "");
  NotifyEvent e = event("approval_needed", target,
                        fmt::format("{}: experiment #{} waits for approval of tier {}: anneal approve {} {} --tier {}",
                                    target.name, step.value("experiment", 0), tier, target.name, key.substr(0, 16),
                                    tier),
                        repository);
  for (const char* field : {"experiment", "key", "commit", "score", "tier"})
    if (auto it = step.find(field); it != step.end() && !it->is_null())
      e.payload[field] = *it;
  return {std::move(e)};
}

std::vector<NotifyEvent> build_events(const Target& target, const TargetBuildResult& result, const std::string& error,
                                      const std::filesystem::path& repository) {
  std::vector<NotifyEvent> out;
  if (!error.empty()) {
    std::string first_line = error.substr(0, error.find('\n'));
    NotifyEvent e = event("halted", target, first_line.starts_with(target.name + ":") ? first_line
                                                                                     : target.name + ": " + first_line,
                          repository);
    e.payload["detail"] = error;
    out.push_back(std::move(e));
    return out;
  }
  if (result.status == BuildStatus::UpToDate || result.status == BuildStatus::DryRun)
    return out;
  if (result.status == BuildStatus::Built || result.status == BuildStatus::BudgetSpent) {
    NotifyEvent e = event("budget_reached", target,
                          fmt::format("{} reached its budget{}", target.name,
                                      result.status == BuildStatus::BudgetSpent ? " (money)" : " (experiments)"),
                          repository);
    e.payload["detail"] = result.summary;
    out.push_back(std::move(e));
  }
  NotifyEvent done = event("build_done", target, result.summary, repository);
  done.payload["detail"] = result.summary;
  out.push_back(std::move(done));
  return out;
}

std::string shown_url(std::string_view written) {
  if (written.find('$') != std::string_view::npos)
    return std::string(written);
  size_t scheme = written.find("://");
  size_t host = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t path = written.find_first_of("/?#", host);
  std::string_view authority = written.substr(host, path == std::string_view::npos ? path : path - host);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);  // user:password@
  std::string out = std::string(written.substr(0, host)) + std::string(authority);
  if (path != std::string_view::npos && path + 1 < written.size())
    out += "/[redacted]";
  return out;
}

Result<std::string> expand_url(std::string_view written) {
  std::string out;
  for (size_t i = 0; i < written.size();) {
    if (written[i] != '$') {
      out += written[i++];
      continue;
    }
    auto [name, length] = variable_at(written, i);
    if (name.empty()) {
      out += written[i++];
      continue;
    }
    const char* value = ::getenv(name.c_str());
    if (!value)
      return fail(fmt::format("${} is not set", name));
    out += value;
    i += length;
  }
  return out;
}

std::vector<std::string> notify_url_variables(const Annealfile& file) {
  std::set<std::string> names;
  auto add = [&](const std::vector<NotifyRule>& rules) {
    for (const NotifyRule& rule : rules)
      for (size_t at = rule.url.find('$'); at != std::string::npos; at = rule.url.find('$', at + 1))
        if (auto name = variable_at(rule.url, at).first; !name.empty())
          names.insert(name);
  };
  add(file.notify);
  for (const Target& target : file.targets)
    add(target.notify);
  return {names.begin(), names.end()};
}

}  // namespace anneal::graph
