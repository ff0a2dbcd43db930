#include "dashboard/project_api.h"

#include "cli/history_entry.h"
#include "cli/listing_json.h"
#include "cli/project.h"
#include "util/json_text.h"

namespace anneal::dashboard {

namespace {

ApiAnswer error_answer(int status, const std::string& message) {
  return {status, nlohmann::json{{"error", message}}.dump()};
}

ApiAnswer json_answer(const nlohmann::json& body) { return {200, dump_json(body)}; }

}  // namespace

DashboardApi project_api() {
  DashboardApi api;
  api.status = [] {
    auto project = cli::open_project();
    if (!project)
      return error_answer(500, project.error().message);
    auto status = cli::status_json(*project, {});
    return status ? json_answer(*status) : error_answer(500, status.error().message);
  };
  api.history = [](const std::string& target) {
    auto project = cli::open_project();
    if (!project)
      return error_answer(500, project.error().message);
    if (auto known = cli::find_target(project->annealfile, target); !known)
      return error_answer(404, known.error().message);
    auto history = cli::history_json(*project, target);
    return history ? json_answer(*history) : error_answer(500, history.error().message);
  };
  api.experiment = [](const std::string& key) {
    auto project = cli::open_project();
    if (!project)
      return error_answer(500, project.error().message);
    auto shown = cli::show_json(*project, key);
    if (!shown) {
      // What the user can fix in the URL (a prefix too short, TARGET#x) is a bad request;
      // a target or number that is not there is not found.
      const std::string& message = shown.error().message;
      bool bad = message.find("ambiguous") != std::string::npos || message.find("is not an experiment") != std::string::npos ||
                 message.find("needs a target") != std::string::npos;
      return error_answer(bad ? 400 : 404, message);
    }
    if (!*shown)
      return error_answer(404, cli::no_match_message(key));
    return json_answer(**shown);
  };
  api.has_target = [](const std::string& target) {
    auto project = cli::open_project();
    return project && project->annealfile.find_target(target) != nullptr;
  };
  return api;
}

nlohmann::json event_record(const nlohmann::json& record) { return cli::history_entry(record); }

}  // namespace anneal::dashboard
