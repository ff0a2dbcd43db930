// A candidate's deployment as the ledger records it: one record per step, and the state those
// steps add up to.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/ledger.h"
#include "util/error.h"

namespace anneal::graph {

// Deployment records, in the target's ledger (graph/ledger.h, format 4), one per step:
//
//   {"v": 4, "record": "deploy", "time": ISO-8601 UTC,
//    "experiment": N, "key": HEX (the experiment's key), "commit": SHA (the candidate),
//    "score": X|null (the candidate's), "tier": NAME, "step": STEP, ...}
//
//   STEP := "ran"        the tier's command exited 0; "duration_s": X, "output": TEXT
//         | "failed"     it did not: "detail": "exit status 3" | "timed out after 600s" | …,
//                        "duration_s", "output" (its last 4000 bytes, secrets redacted)
//         | "waiting"    the tier has `approve: true`: it waits for `anneal approve`
//         | "approved"   "by": "NAME <EMAIL>" (git's user.name, user.email); its command runs next
//         | "rejected"   "by": likewise; nothing more runs for the candidate
//
// Steps are never renumbered or renamed; new ones may be added (readers ignore what they do
// not know). A candidate's state is its last step's.

/// The "record" field of deployment records.
inline constexpr std::string_view k_deploy_record = "deploy";

/// Where one candidate's deployment stands.
struct Deployment {
  int experiment = 0;
  std::string key;     ///< the experiment's key
  std::string commit;  ///< the candidate
  std::string tier;    ///< the tier of the last step
  std::string step;    ///< the last step
  std::string by;      ///< who approved or rejected last
  std::string time;    ///< of the last step
  std::string detail;  ///< of a failed step
  std::optional<double> score;  ///< the candidate's, as its experiment recorded it
  std::vector<std::string> approved;  ///< the tiers approved, in order
  std::vector<std::string> deployed;  ///< the tiers whose commands succeeded, in order

  bool waiting() const { return step == "waiting"; }
  bool approved_for(std::string_view tier) const;
};

/// A step's record (without "v" and "time", which the writer adds).
nlohmann::json deploy_step(const Deployment& candidate, std::string_view tier, std::string_view step);

/// `deployment` after the step `record` (of its candidate).
void add_step(Deployment& deployment, const nlohmann::json& record);

/// Each candidate's deployment from the ledger's deployment records (oldest first), in the
/// order their first steps were recorded.
std::vector<Deployment> deployments(const std::vector<nlohmann::json>& records);

/// deployments() of `ledger`'s deployment records.
Result<std::vector<Deployment>> recorded_deployments(const Ledger& ledger);

/// The deployment of `commit`, if it has one.
const Deployment* find_deployment(const std::vector<Deployment>& all, std::string_view commit);

/// What `anneal status --json` shows of it.
nlohmann::json deployment_json(const Deployment& deployment);

/// "#3 (1f0c9a7e2b4d6a80)": how messages name a candidate.
std::string candidate_name(const Deployment& deployment);

}  // namespace anneal::graph
