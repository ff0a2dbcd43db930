#pragma once

#include <nlohmann/json.hpp>

#include "dashboard/server.h"

namespace anneal::dashboard {

/// The API over the repository of the current directory: each answer opens the project
/// afresh (the Annealfile may change while the dashboard runs) and is what
/// `anneal status --json`, `anneal history NAME --json` and `anneal show KEY --json` print.
DashboardApi project_api();

/// A ledger record as the events carry it: as `anneal history --json` lists it.
nlohmann::json event_record(const nlohmann::json& record);

}  // namespace anneal::dashboard
