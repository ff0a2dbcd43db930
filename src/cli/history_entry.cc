#include "cli/history_entry.h"

#include "graph/failure_category.h"
#include "graph/retry_plan.h"

namespace anneal::cli {

nlohmann::json history_entry(const nlohmann::json& r) {
  std::string failure = graph::failure_category(r);
  return {{"id", r.value("id", 0)},
          {"key", r.value("key", "")},
          {"outcome", r.value("outcome", "")},
          {"score", r.value("score", nlohmann::json())},
          {"scores", r.value("scores", nlohmann::json::object())},
          {"commit", r.value("commit", nlohmann::json())},
          {"parent", r.value("parent", nlohmann::json())},
          {"draft", r.value("draft", 0)},
          {"baseline", r.value("baseline", nlohmann::json())},
          {"strategy", r.value("strategy", nlohmann::json())},
          {"hypothesis", r.value("hypothesis", "")},
          {"violations", r.value("violations", nlohmann::json::array())},
          {"detail", r.value("detail", "")},
          {"failure", failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(failure)},
          {"decision", r.value("decision", nlohmann::json::object())},
          {"cost_usd", r.value("cost_usd", 0.0)},
          {"duration_s", r.value("duration_s", 0.0)},
          {"time", r.value("time", "")},
          {"judge", r.value("judge", nlohmann::json())},
          {"held_out", r.value("held_out", nlohmann::json())},
          {"policy", r.value("policy", nlohmann::json())},
          {"attempts", r.value("attempts", 1)},
          {"finished", !graph::unfinished_record(r)}};
}

}  // namespace anneal::cli
