// Notifications: what happened to a target while its build ran unattended (a new best, a
// halt, its budget reached…), as events for the user's commands and webhooks (`notify:`).
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/target_build.h"
#include "util/error.h"

namespace anneal::graph {

// An event on the wire (version 1): one JSON object, written to a `run:` command's stdin and
// POSTed to a `url:` (Content-Type: application/json):
//
//   {"v": 1,
//    "event": EVENT,                 one of k_notify_events
//    "target": NAME,
//    "text": TEXT,                   one line for people (the `text` Slack and Mattermost show)
//    "time": ISO-8601 UTC,
//    "repository": PATH,             the repository's absolute path
//    "experiment": N, "key": HEX, "commit": HEX,                the experiment, when there is one
//    "score": X, "best_score": X, "baseline_score": X,          the objective, when known
//    "detail": TEXT,                 halted: why; held_out_divergence: the figures; build_done: the summary
//    "tier": NAME}                   approval_needed: the deployment tier that waits
//
// Fields that do not apply are absent. New fields may be added within version 1; none is
// renamed or removed.
inline constexpr int k_notify_version = 1;

/// The events a `notify:` rule may name, in the order the schema lists them.
/// approval_needed: a deployment tier waits for a person (graph/deployment.h).
inline constexpr std::array<std::string_view, 6> k_notify_events = {
    "new_best", "halted", "budget_reached", "build_done", "held_out_divergence", "approval_needed"};

struct NotifyEvent {
  std::string name;        ///< one of k_notify_events
  nlohmann::json payload;  ///< the wire format above
};

/// The events of one experiment's ledger record: new_best for a kept candidate,
/// held_out_divergence when its held-out check warned or paused the target.
std::vector<NotifyEvent> experiment_events(const Target& target, const nlohmann::json& record,
                                           const std::filesystem::path& repository);

/// The events of one step of a deployment (graph/deploy_record.h): approval_needed when a tier
/// waits for a person.
std::vector<NotifyEvent> deploy_events(const Target& target, const nlohmann::json& step,
                                       const std::filesystem::path& repository);

/// The events of a target's build that ended: halted when it failed (`error` non-empty);
/// else budget_reached when it ran to its budget, then build_done. An up-to-date target or a
/// dry run has none.
std::vector<NotifyEvent> build_events(const Target& target, const TargetBuildResult& result, const std::string& error,
                                      const std::filesystem::path& repository);

/// How a `url:` is shown in messages: as written when it names variables ($SLACK_WEBHOOK_URL
/// holds the secret), else its scheme and host with the path and query, where webhook tokens
/// live, as "[redacted]".
std::string shown_url(std::string_view written);

/// `written` with $NAME and ${NAME} replaced by the variables' values; fails naming the first
/// variable that is not set.
Result<std::string> expand_url(std::string_view written);

/// The variables `url:`s of `file` name: secrets, redacted wherever they appear.
std::vector<std::string> notify_url_variables(const Annealfile& file);

}  // namespace anneal::graph
