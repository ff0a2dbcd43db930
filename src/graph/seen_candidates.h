// No wasted evaluations: the candidates a run has measured, by their git tree, so a draft
// that makes a tree measured before is not measured again (outcome `duplicate`, its result
// the earlier one's), and the tuner is told the points it has tried.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/local_store.h"
#include "git/repository.h"
#include "graph/annealfile.h"
#include "graph/experiment_plan.h"
#include "util/error.h"

namespace anneal::graph {

/// What a candidate measured before came to.
struct EarlierCandidate {
  int experiment = 0;
  int draft = 0;
  std::string commit;
  std::string outcome;  ///< its ledger outcome ("discarded" for a draft that survived and lost)
  std::optional<double> score;
  nlohmann::json scores = nlohmann::json::object();

  /// The decide spec's "duplicate" entry (nodes/decide_node.h).
  nlohmann::json to_json() const;
};

/// The trees of the current run's measured candidates: the baseline, and every draft whose
/// mutation made a candidate that its gates and stages then judged.
class SeenCandidates {
 public:
  /// Adds what a finished experiment (a ledger record) measured; a mutation's tree is read
  /// from its cached result, the baseline's from the repository.
  void add(const nlohmann::json& record, const cache::LocalStore& store, const git::Repository& repo);
  const EarlierCandidate* find(const std::string& tree) const;
  size_t size() const { return m_by_tree.size(); }

  /// The tune agent's "tried" (nodes/tune_tried.h): each measured candidate's value of each
  /// parameter, read from its commit (null where its pattern does not match there, or the
  /// repository lacks the commit).
  nlohmann::json tune_points(const std::vector<TuneParam>& params, const git::Repository& repo);

 private:
  std::map<std::string, EarlierCandidate> m_by_tree;
  std::map<std::string, nlohmann::json> m_points;  ///< tree → its point, once read
};

/// Runs `plan`'s mutations, then the evaluations of the drafts whose trees are new: a draft
/// whose tree `seen` holds (or an earlier draft of the plan made) is not evaluated, and the
/// decide node is told it is a duplicate of that candidate. Returns how many drafts were.
Result<int> run_unseen(ExperimentPlan& plan, const SeenCandidates& seen, const cache::LocalStore& store,
                       const std::function<Result<void>(const std::vector<PlannedNode>&)>& run_nodes);

}  // namespace anneal::graph
