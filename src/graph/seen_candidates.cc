#include "graph/seen_candidates.h"

#include <algorithm>
#include <set>

#include "nodes/node.h"
#include "nodes/tune.h"

namespace anneal::graph {

namespace {

std::optional<double> number(const nlohmann::json& j, const char* name) {
  if (!j.is_object() || !j.contains(name) || !j.at(name).is_number())
    return std::nullopt;
  return j.at(name).get<double>();
}

/// The draft outcomes that say its candidate was measured (by a gate at least).
bool measured(const std::string& outcome) {
  return outcome == "survived" || outcome == "kept" || outcome == "discarded" || outcome == "rejected" ||
         outcome == "crashed" || outcome == "baseline";
}

/// The mutation's result, when it made a candidate.
std::optional<nodes::NodeResult> made(const cache::LocalStore& store, const std::string& key_hex) {
  auto key = cache::Digest::from_hex(key_hex);
  auto result = key ? nodes::cached_result(store, *key) : std::nullopt;
  if (!result || !result->ok() || result->tree.empty())
    return std::nullopt;
  return result;
}

}  // namespace

nlohmann::json EarlierCandidate::to_json() const {
  return {{"experiment", experiment}, {"draft", draft}, {"outcome", outcome},
          {"score", score ? nlohmann::json(*score) : nlohmann::json(nullptr)}, {"scores", scores}};
}

void SeenCandidates::add(const nlohmann::json& r, const cache::LocalStore& store, const git::Repository& repo) {
  if (r.value("unfinished", false))
    return;
  const int id = r.value("id", 0);
  const int chosen = r.value("draft", 0);
  const std::string outcome = r.value("outcome", "");
  auto remember = [&](const std::string& tree, EarlierCandidate c) {
    if (!tree.empty())
      m_by_tree.try_emplace(tree, std::move(c));
  };
  if (id == 0) {
    if (outcome != "baseline" || !r.value("commit", nlohmann::json()).is_string())
      return;
    std::string commit = r.at("commit").get<std::string>();
    if (auto tree = repo.tree_of(commit))
      remember(*tree, {0, 0, commit, outcome, number(r, "score"), r.value("scores", nlohmann::json::object())});
    return;
  }
  const nlohmann::json mutations = r.value("mutations", nlohmann::json::array());
  const nlohmann::json drafts = r.value("drafts", nlohmann::json::array());
  for (size_t i = 0; i < mutations.size(); ++i) {
    int draft = static_cast<int>(i);
    EarlierCandidate c{id, draft, "", outcome, std::nullopt, nlohmann::json::object()};
    if (draft == chosen) {
      c.score = number(r, "score");
      c.scores = r.value("scores", nlohmann::json::object());
      c.commit = r.value("commit", nlohmann::json()).is_string() ? r.at("commit").get<std::string>() : "";
    } else {
      auto it = std::find_if(drafts.begin(), drafts.end(),
                             [&](const nlohmann::json& d) { return d.value("draft", -1) == draft; });
      if (it == drafts.end())
        continue;
      c.outcome = it->value("outcome", "");
      c.score = number(*it, "score");
      if (c.outcome == "survived")
        c.outcome = "discarded";  // measured, and another draft did better
    }
    if (!measured(c.outcome) || !mutations[i].is_string())
      continue;
    auto mutation = made(store, mutations[i].get<std::string>());
    if (!mutation)
      continue;
    if (c.commit.empty())
      c.commit = mutation->commit;
    remember(mutation->tree, std::move(c));
  }
}

const EarlierCandidate* SeenCandidates::find(const std::string& tree) const {
  auto it = m_by_tree.find(tree);
  return it == m_by_tree.end() ? nullptr : &it->second;
}

nlohmann::json SeenCandidates::tune_points(const std::vector<TuneParam>& params,
                                                   const git::Repository& repo) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [tree, earlier] : m_by_tree) {
    if (earlier.commit.empty())
      continue;
    auto known = m_points.find(tree);
    if (known == m_points.end()) {
      nlohmann::json point = nlohmann::json::array();
      for (const TuneParam& p : params) {
        // A commit this repository lacks (results from a remote cache) tells nothing.
        auto text = repo.read_file_at(earlier.commit, p.file);
        auto value = text && *text ? nodes::tune_value({p.file, p.pattern, p.min, p.max, p.integer}, **text)
                           : Result<double>(fail("missing"));
        point.push_back(value ? nlohmann::json(*value) : nlohmann::json(nullptr));
      }
      known = m_points.emplace(tree, std::move(point)).first;
    }
    out.push_back(known->second);
  }
  return out;
}

Result<int> run_unseen(ExperimentPlan& plan, const SeenCandidates& seen, const cache::LocalStore& store,
                       const std::function<Result<void>(const std::vector<PlannedNode>&)>& run_nodes) {
  if (plan.mutations.empty() || plan.evaluation_nodes.size() != plan.mutations.size()) {
    if (auto ran = run_nodes(plan.nodes); !ran)
      return std::unexpected(ran.error());
    return 0;
  }
  std::set<size_t> first, skipped;
  for (const auto& indices : plan.mutation_nodes)
    first.insert(indices.begin(), indices.end());
  std::vector<PlannedNode> mutations;
  for (size_t i : first)
    mutations.push_back(plan.nodes[i]);
  if (auto ran = run_nodes(mutations); !ran)
    return std::unexpected(ran.error());
  nlohmann::json decide = plan.decide.json;
  std::map<std::string, int> trees;  ///< tree → the first draft of this plan that made it
  int duplicates = 0;
  for (size_t draft = 0; draft < plan.mutations.size(); ++draft) {
    auto mutation = nodes::latest_result(store, plan.mutations[draft]);
    if (!mutation || !mutation->ok() || mutation->tree.empty())
      continue;
    nlohmann::json earlier;
    if (const EarlierCandidate* c = seen.find(mutation->tree))
      earlier = c->to_json();
    else if (auto it = trees.find(mutation->tree); it != trees.end())
      earlier = {{"experiment", plan.id}, {"draft", it->second}, {"outcome", nullptr}, {"score", nullptr}};
    else {
      trees.emplace(mutation->tree, static_cast<int>(draft));
      continue;
    }
    for (auto& entry : decide.at("candidates"))
      if (entry.value("draft", -1) == static_cast<int>(draft)) {
        for (const char* field : {"gates", "stages", "judge"})
          entry.erase(field);
        entry["duplicate"] = std::move(earlier);
      }
    skipped.insert(plan.evaluation_nodes[draft].begin(), plan.evaluation_nodes[draft].end());
    ++duplicates;
  }
  if (duplicates > 0) {
    decide.erase("v");
    plan.decide = nodes::make_spec(std::move(decide));
  }
  std::vector<PlannedNode> rest;
  for (size_t i = 0; i < plan.nodes.size(); ++i)
    if (!first.contains(i) && !skipped.contains(i))
      rest.push_back(plan.nodes[i]);
  if (auto ran = run_nodes(rest); !ran)
    return std::unexpected(ran.error());
  return duplicates;
}

}  // namespace anneal::graph
