#include "graph/repro.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "git/worktree.h"
#include "nodes/candidate.h"
#include "nodes/node.h"
#include "nodes/node_spec.h"
#include "proc/lock_file.h"
#include "util/file.h"

namespace anneal::graph {

namespace fs = std::filesystem;

namespace {

nlohmann::json optional_json(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

/// Whether two scores agree within the relative tolerance (both missing agrees).
bool same_score(const nlohmann::json& recorded, const nlohmann::json& now, double tolerance) {
  if (!recorded.is_number() || !now.is_number())
    return recorded.is_number() == now.is_number();
  double a = recorded.get<double>(), b = now.get<double>();
  return a == b || std::fabs(b - a) <= tolerance * std::fabs(a);
}

std::string blob_of(const nodes::NodeResult& result, const std::string& name) {
  auto it = result.blobs.find(name);
  return it == result.blobs.end() ? "" : it->second;
}

class Differences {
 public:
  void exact(std::string name, const nlohmann::json& recorded, const nlohmann::json& now) {
    if (recorded != now)
      m_list.push_back({std::move(name), recorded, now});
  }
  void score(std::string name, const nlohmann::json& recorded, const nlohmann::json& now, double tolerance) {
    if (!same_score(recorded, now, tolerance))
      m_list.push_back({std::move(name), recorded, now});
  }
  /// A blob by digest; an empty output has none.
  void output(const std::string& name, const nodes::NodeResult& recorded, const nodes::NodeResult& now) {
    exact(name, blob_of(recorded, name), blob_of(now, name));
  }
  std::vector<ValueDifference> take() { return std::move(m_list); }

 private:
  std::vector<ValueDifference> m_list;
};

nlohmann::json accept_of(const nlohmann::json& decision) {
  if (decision.contains("accept"))
    return decision.at("accept");
  return decision.value("decision", nlohmann::json::object()).value("accept", nlohmann::json(nullptr));
}

/// The node keys a spec reads results of: what must be in the scratch store before it runs.
std::vector<std::string> input_keys(const nlohmann::json& spec) {
  std::vector<std::string> keys;
  auto add_candidate = [&](const nlohmann::json& ref) {
    if (ref.is_object() && ref.contains("mutate"))
      keys.push_back(ref.at("mutate").get<std::string>());
  };
  if (spec.contains("candidate"))
    add_candidate(spec.at("candidate"));
  for (const auto& key : spec.value("after", std::vector<std::string>{}))
    keys.push_back(key);
  if (spec.value("reply", nlohmann::json()).is_string())
    keys.push_back(spec.at("reply").get<std::string>());
  for (const auto& c : spec.value("candidates", nlohmann::json::array())) {
    add_candidate(c.value("candidate", nlohmann::json()));
    for (const auto& key : c.value("gates", std::vector<std::string>{}))
      keys.push_back(key);
    const nlohmann::json stages = c.value("stages", nlohmann::json::object());
    for (const auto& [name, key] : stages.items())
      keys.push_back(key.get<std::string>());
    for (const auto& key : c.value("judge", std::vector<std::string>{}))
      keys.push_back(key);
  }
  return keys;
}

/// Where the nodes run again: a store holding only their inputs, scratch worktrees, and a
/// .anneal-like folder for the nodes' own scratch files. Removed with everything in it.
class Scratch {
 public:
  static Result<std::unique_ptr<Scratch>> create(Workspace& workspace) {
    fs::path tmp = workspace.anneal_dir() / "tmp";
    if (auto made = make_dirs(tmp); !made)
      return std::unexpected(made.error());
    std::string pattern = (tmp / "repro-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      return fail(fmt::format("cannot make a scratch folder under {}", tmp.string()));
    auto scratch = std::unique_ptr<Scratch>(new Scratch(workspace, pattern));
    // LLM calls charge the target's real spend log, which lives under targets/.
    if (auto made = make_dirs(workspace.anneal_dir() / "targets"); !made)
      return std::unexpected(made.error());
    std::error_code ec;
    fs::create_directory_symlink(workspace.anneal_dir() / "targets", scratch->m_dir / "targets", ec);
    if (ec)
      return fail(fmt::format("cannot link {}: {}", (scratch->m_dir / "targets").string(), ec.message()));
    return scratch;
  }

  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  ~Scratch() {
    if (auto repo = m_workspace.repo())
      for (const auto& path : m_worktrees)
        (void)git::remove_worktree(**repo, path);
    std::error_code ec;
    fs::remove(m_dir / "targets", ec);  // the link, never what it points at
    fs::remove_all(m_dir, ec);
  }

  nodes::NodeContext& context() { return m_context; }

  /// Copies the recorded result of `key`, with its blobs, from the real cache.
  Result<void> seed(const std::string& key_hex) {
    auto key = cache::Digest::from_hex(key_hex);
    if (!key)
      return fail(fmt::format("bad node key '{}' in a spec", key_hex));
    if (m_store.get_action(*key))
      return {};
    auto payload = m_workspace.store().get_action(*key);
    std::optional<nodes::NodeResult> result;
    if (payload)
      if (auto parsed = nodes::NodeResult::parse(*payload))
        result = std::move(*parsed);
    if (!result)
      return fail(fmt::format("{} (node {}), an input, has no result in the cache: it cannot be reproduced "
                              "without it",
                              describe(*key), key_hex));
    for (const auto& [name, blob_hex] : result->blobs) {
      auto digest = cache::Digest::from_hex(blob_hex);
      auto bytes = digest ? m_workspace.store().get_blob(*digest) : std::nullopt;
      if (!bytes)
        continue;  // a node that needs it says so when it runs
      if (auto put = m_store.put_blob(*bytes); !put)
        return std::unexpected(put.error());
    }
    return m_store.put_action(*key, *payload);
  }

  /// Checks out the candidate `ref` of `target` in its scratch worktree, so the node finds it
  /// ready. A candidate whose mutation failed has none (its nodes are skipped).
  Result<void> check_out(const std::string& target, const nlohmann::json& ref) {
    auto candidate = nodes::resolve_candidate(m_context, ref);
    if (!candidate)
      return std::unexpected(candidate.error());
    if (candidate->commit.empty())
      return {};
    if (candidate->mutation)
      if (auto made = nodes::ensure_commit(m_context, *candidate->mutation); !made)
        return made;
    return add_worktree(target, candidate->worktree_name, candidate->commit);
  }

  /// A worktree `name` of `target` at `commit` (a mutation resets it to its parent itself).
  Result<void> add_worktree(const std::string& target, const std::string& name, const std::string& commit) {
    fs::path path = nodes::worktree_path(m_context, target, name);
    fs::path stamp = nodes::worktree_ready_stamp(path);
    if (read_file_if_exists(stamp) == commit)
      return {};
    auto repo = m_workspace.repo();
    if (!repo)
      return std::unexpected(repo.error());
    if (auto made = make_dirs(path.parent_path()); !made)
      return made;
    // A name of its own: the build's worktree of the same slot may exist.
    std::string admin = fmt::format("anneal-repro-{}-{}-{}", ::getpid(), target, name);
    m_worktrees.push_back(path);
    if (auto added = git::add_worktree(**repo, path, admin, commit); !added)
      return added;
    return write_file_atomic(stamp, commit, Durability::Unsynced);
  }

  /// Runs `spec` on the scratch store, its worktree prepared.
  Result<nodes::NodeResult> run(const nodes::NodeSpec& spec) {
    const auto& j = spec.json;
    std::string kind = spec.kind();
    std::string target = j.value("target", "");
    if (kind == "verify" || kind == "stage" || kind == "judge") {
      if (auto ready = check_out(target, j.at("candidate")); !ready)
        return std::unexpected(ready.error());
    } else if (kind == "mutate") {
      std::string slot = fmt::format("d{}", j.at("draft").get<int>());
      if (auto ready = add_worktree(target, slot, j.at("parent").get<std::string>()); !ready)
        return std::unexpected(ready.error());
    }
    return nodes::execute_node(m_context, spec);
  }

  std::string describe(const cache::Digest& key) const {
    auto spec = m_workspace.load_spec(key);
    return spec ? nodes::describe_spec(spec->json) : "a node";
  }

 private:
  Scratch(Workspace& workspace, fs::path dir)
      : m_workspace(workspace), m_dir(std::move(dir)), m_store(m_dir / "cache") {
    m_context.repo = [this]() { return m_workspace.repo(); };
    m_context.store = &m_store;
    m_context.anneal_dir = m_dir;
    m_context.fresh = true;
  }

  Workspace& m_workspace;
  fs::path m_dir;
  cache::LocalStore m_store;  // no remote: a node must not find its own result anywhere
  nodes::NodeContext m_context;
  std::vector<fs::path> m_worktrees;
};

/// Runs would disturb a build of the same target (and measure a busy machine): one at a time.
Result<std::optional<proc::LockFile>> lock_target(Workspace& workspace, const std::string& target) {
  if (target.empty())
    return std::optional<proc::LockFile>();
  auto lock = proc::LockFile::try_acquire(workspace.lock_path(target));
  if (!lock)
    return fail(fmt::format("target '{}' is being built ({}); try again when it is done", target,
                            lock.error().message));
  return std::optional<proc::LockFile>(std::move(*lock));
}

/// Runs `spec` again and compares with the recorded result (if any).
Result<NodeRepro> rerun(Workspace& workspace, Scratch& scratch, const nodes::NodeSpec& spec,
                        const ReproOptions& options) {
  auto fresh = scratch.run(spec);
  if (!fresh)
    return std::unexpected(fresh.error());
  NodeRepro repro{spec.key.hex(), nodes::describe_spec(spec.json), true, {}};
  if (auto recorded = nodes::cached_result(workspace.store(), spec.key))
    repro.differences = compare_results(spec.kind(), *recorded, *fresh, options);
  else
    repro.recorded = false;
  return repro;
}

}  // namespace

std::vector<ValueDifference> compare_results(std::string_view kind, const nodes::NodeResult& recorded,
                                             const nodes::NodeResult& now, const ReproOptions& options) {
  if (kind == "decide")
    return compare_decisions(recorded.decision, now.decision, options);
  Differences d;
  d.exact("outcome", std::string(nodes::outcome_name(recorded.outcome)), std::string(nodes::outcome_name(now.outcome)));
  bool deterministic = options.tolerance == 0;
  if (kind == "verify" || kind == "stage") {
    d.exact("exit code", recorded.exit_code ? nlohmann::json(*recorded.exit_code) : nlohmann::json(nullptr),
            now.exit_code ? nlohmann::json(*now.exit_code) : nlohmann::json(nullptr));
    if (kind == "stage")
      d.score("score", optional_json(recorded.score), optional_json(now.score), options.tolerance);
    if (kind == "verify" || deterministic)
      d.output("stdout", recorded, now);
  } else if (kind == "judge") {
    d.score("score", optional_json(recorded.score), optional_json(now.score), options.tolerance);
    if (deterministic)
      d.exact("judged text", recorded.judgement.value("content", nlohmann::json()),
              now.judgement.value("content", nlohmann::json()));
  } else if (kind == "mutate") {
    d.exact("tree", recorded.tree, now.tree);
  } else if (kind == "llm" && deterministic) {
    d.output("reply", recorded, now);
  }
  return d.take();
}

std::vector<ValueDifference> compare_decisions(const nlohmann::json& recorded, const nlohmann::json& now,
                                               const ReproOptions& options) {
  Differences d;
  auto field = [](const nlohmann::json& j, const char* name) { return j.value(name, nlohmann::json()); };
  d.exact("outcome", field(recorded, "outcome"), field(now, "outcome"));
  d.exact("accepted", accept_of(recorded), accept_of(now));
  d.exact("draft", field(recorded, "draft"), field(now, "draft"));
  d.exact("commit", field(recorded, "commit"), field(now, "commit"));
  d.score("score", field(recorded, "score"), field(now, "score"), options.tolerance);
  nlohmann::json before = recorded.value("scores", nlohmann::json::object());
  nlohmann::json after = now.value("scores", nlohmann::json::object());
  std::set<std::string> names;
  for (const auto& [name, value] : before.items())
    names.insert(name);
  for (const auto& [name, value] : after.items())
    names.insert(name);
  for (const auto& name : names)
    d.score("scores." + name, before.value(name, nlohmann::json()), after.value(name, nlohmann::json()),
            options.tolerance);
  return d.take();
}

Result<ReproReport> reproduce_node(Workspace& workspace, const cache::Digest& key, const ReproOptions& options) {
  auto spec = workspace.load_spec(key);
  if (!spec)
    return std::unexpected(spec.error());
  if (!nodes::cached_result(workspace.store(), key))
    return fail(fmt::format("{} (node {}) has no recorded result in the cache (never run, or removed by "
                            "`anneal cache gc`): nothing to compare with",
                            nodes::describe_spec(spec->json), key.hex()));
  auto lock = lock_target(workspace, spec->json.value("target", ""));
  if (!lock)
    return std::unexpected(lock.error());
  auto scratch = Scratch::create(workspace);
  if (!scratch)
    return std::unexpected(scratch.error());
  for (const auto& input : input_keys(spec->json))
    if (auto seeded = (*scratch)->seed(input); !seeded)
      return std::unexpected(seeded.error());
  auto repro = rerun(workspace, **scratch, *spec, options);
  if (!repro)
    return std::unexpected(repro.error());
  ReproReport report;
  report.reproduces = repro->reproduces();
  report.nodes.push_back(std::move(*repro));
  return report;
}

Result<ReproReport> reproduce_experiment(Workspace& workspace, const nlohmann::json& record,
                                         const ReproOptions& options) {
  auto key = cache::Digest::from_hex(record.value("key", ""));
  if (!key)
    return fail("the ledger record has no experiment key");
  auto decide = workspace.load_spec(*key);
  if (!decide)
    return std::unexpected(decide.error());
  auto lock = lock_target(workspace, decide->json.value("target", ""));
  if (!lock)
    return std::unexpected(lock.error());
  auto scratch = Scratch::create(workspace);
  if (!scratch)
    return std::unexpected(scratch.error());

  // The recorded mutations are the candidates; every evaluation of them runs again.
  std::vector<nodes::NodeSpec> pending;
  for (const auto& c : decide->json.at("candidates")) {
    const auto& ref = c.at("candidate");
    if (ref.contains("mutate"))
      if (auto seeded = (*scratch)->seed(ref.at("mutate").get<std::string>()); !seeded)
        return std::unexpected(seeded.error());
    std::vector<std::string> keys = c.value("gates", std::vector<std::string>{});
    const nlohmann::json stages = c.value("stages", nlohmann::json::object());
    for (const auto& [name, k] : stages.items())
      keys.push_back(k.get<std::string>());
    for (const auto& k : c.value("judge", std::vector<std::string>{}))
      keys.push_back(k);
    for (const auto& k : keys) {
      auto digest = cache::Digest::from_hex(k);
      if (!digest)
        return fail(fmt::format("bad node key '{}' in experiment {}", k, key->hex()));
      auto spec = workspace.load_spec(*digest);
      if (!spec)
        return std::unexpected(spec.error());
      pending.push_back(std::move(*spec));
    }
  }

  // Each node after the gates and stages it waits for.
  ReproReport report;
  std::set<std::string> done;
  while (!pending.empty()) {
    auto ready = std::find_if(pending.begin(), pending.end(), [&](const nodes::NodeSpec& spec) {
      for (const auto& after : spec.json.value("after", std::vector<std::string>{}))
        if (!done.contains(after))
          return false;
      return true;
    });
    if (ready == pending.end())
      return fail(fmt::format("experiment {}: {} waits for a node that is not part of it",
                              key->hex(), nodes::describe_spec(pending.front().json)));
    auto repro = rerun(workspace, **scratch, *ready, options);
    if (!repro)
      return std::unexpected(repro.error());
    done.insert(ready->key.hex());
    report.nodes.push_back(std::move(*repro));
    pending.erase(ready);
  }

  auto decided = nodes::execute_node((*scratch)->context(), *decide);
  if (!decided)
    return std::unexpected(decided.error());
  NodeRepro decision{key->hex(), nodes::describe_spec(decide->json), true,
                     compare_decisions(record, decided->decision, options)};
  report.reproduces = decision.reproduces();
  report.decision = std::move(decision);
  return report;
}

}  // namespace anneal::graph
