// What `anneal status` says of a target's deployments: what waits for approval, and where the
// newest candidate stands.
#pragma once

#include <nlohmann/json.hpp>

#include "cli/project.h"
#include "graph/annealfile.h"
#include "util/error.h"

namespace anneal::cli {

/// `status --json`'s "deploy" of a target with `deploy:` tiers:
///   {"tiers": [{"name", "approve"}], "waiting": [DEPLOYMENT], "latest": DEPLOYMENT|null}
/// (graph::deployment_json), the waiting ones newest first.
Result<nlohmann::json> deploy_status_json(Project& project, const graph::Target& target);

/// Prints the lines `anneal status` shows under the target for that JSON.
void print_deploy_status(const std::string& target, const nlohmann::json& deploy);

}  // namespace anneal::cli
