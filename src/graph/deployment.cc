#include "graph/deployment.h"

#include <algorithm>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "git/identity.h"
#include "git/worktree.h"
#include "proc/lock_file.h"
#include "proc/subprocess.h"
#include "util/clock_text.h"
#include "util/file.h"

namespace anneal::graph {

namespace fs = std::filesystem;

namespace {

/// What a step's record keeps of a command's output: its end, where the error usually is.
constexpr size_t k_output_tail = 4000;

std::string tail(const std::string& text, size_t bytes) {
  return text.size() <= bytes ? text : "…" + text.substr(text.size() - bytes);
}

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  size_t newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

std::string approve_command(const Target& target, const Deployment& d, const std::string& tier) {
  return fmt::format("anneal approve {} {} --tier {}", target.name, d.key.substr(0, 16), tier);
}

/// Serialises the deployments of a target: a build's and `anneal approve`'s.
Result<proc::LockFile> lock_deployments(Workspace& ws, const Target& target, const DeployHooks& hooks) {
  if (auto made = make_dirs(ws.target_dir(target.name)); !made)
    return std::unexpected(made.error());
  return proc::LockFile::acquire(ws.target_dir(target.name) / "deploy.lock", [&](const proc::LockHolder& holder) {
    if (hooks.note)
      hooks.note(fmt::format("{}: waiting for the deployment held by {}", target.name, holder.describe()));
  });
}

/// Runs one candidate's tiers, recording each step; owns the candidate's worktree while it does.
class TierRun {
 public:
  TierRun(Workspace& ws, const Target& target, Ledger& ledger, const DeployHooks& hooks, Deployment candidate)
      : m_ws(ws), m_target(target), m_ledger(ledger), m_hooks(hooks), m_candidate(std::move(candidate)) {}
  ~TierRun() {
    if (!m_worktree.empty())
      if (auto repo = m_ws.repo())
        (void)git::remove_worktree(**repo, m_worktree, m_ws.anneal_dir() / "deploy" / m_target.name);
  }
  TierRun(const TierRun&) = delete;
  TierRun& operator=(const TierRun&) = delete;

  /// Records `step` of `tier` (with `extra` fields) and tells the hooks.
  Result<void> record(const std::string& tier, const std::string& step, const nlohmann::json& extra = {}) {
    nlohmann::json r = {{"v", k_ledger_version}};
    r.update(deploy_step(m_candidate, tier, step));
    if (extra.is_object())
      r.update(extra);
    r["time"] = now_utc_iso();
    if (auto appended = m_ledger.append(r); !appended)
      return appended;
    add_step(m_candidate, r);
    if (m_hooks.on_step)
      m_hooks.on_step(m_target, r);
    return {};
  }

  /// Runs the tiers from `first` on; `approved_by` non-empty: `first` was just approved by them.
  Result<void> run_from(size_t first, const std::string& approved_by) {
    for (size_t i = first; i < m_target.deploy.size(); ++i) {
      const DeployTier& tier = m_target.deploy[i];
      if (tier.approve && !(i == first && !approved_by.empty())) {
        if (auto recorded = record(tier.name, "waiting"); !recorded)
          return recorded;
        note(fmt::format("{}: {} waits for approval of tier {}: {}", m_target.name, candidate_name(m_candidate),
                         tier.name, approve_command(m_target, m_candidate, tier.name)));
        return {};
      }
      auto ran = run_tier(tier, approved_by);
      if (!ran)
        return std::unexpected(ran.error());
      if (!*ran)
        return {};
    }
    return {};
  }

  const Deployment& candidate() const { return m_candidate; }

 private:
  void note(const std::string& text) const {
    if (m_hooks.note)
      m_hooks.note(text);
  }

  Result<fs::path> worktree() {
    if (!m_worktree.empty())
      return m_worktree;
    auto repo = m_ws.repo();
    if (!repo)
      return std::unexpected(repo.error());
    std::string leaf = m_candidate.commit.substr(0, 12);
    fs::path path = m_ws.anneal_dir() / "deploy" / m_target.name / leaf;
    if (auto made = make_dirs(path.parent_path()); !made)
      return std::unexpected(made.error());
    if (auto added = git::add_worktree(**repo, path, fmt::format("anneal-deploy-{}-{}", m_target.name, leaf),
                                       m_candidate.commit);
        !added)
      return std::unexpected(added.error());
    m_worktree = path;
    return m_worktree;
  }

  /// Runs `tier`'s command and records how it went; false when it failed.
  Result<bool> run_tier(const DeployTier& tier, const std::string& approved_by) {
    std::string failure;
    nlohmann::json extra = nlohmann::json::object();
    auto dir = worktree();
    if (!dir) {
      failure = fmt::format("cannot check the candidate out: {}", dir.error().message);
    } else {
      proc::RunOptions options;
      options.command = tier.run;
      options.cwd = *dir;
      options.env = {{"ANNEAL_TARGET", m_target.name},
                     {"ANNEAL_TIER", tier.name},
                     {"ANNEAL_EXPERIMENT", std::to_string(m_candidate.experiment)},
                     {"ANNEAL_KEY", m_candidate.key},
                     {"ANNEAL_COMMIT", m_candidate.commit},
                     {"ANNEAL_SCORE", m_candidate.score ? fmt::format("{:g}", *m_candidate.score) : ""}};
      if (!approved_by.empty())
        options.env.emplace_back("ANNEAL_APPROVED_BY", approved_by);
      options.pass_env = tier.pass_env;
      options.timeout_s = tier.timeout_s;
      auto ran = proc::run(options);
      if (!ran) {
        failure = fmt::format("cannot run `{}`: {}", tier.run, ran.error().message);
      } else {
        std::string output = ran->out + ran->err;
        extra = {{"duration_s", ran->duration_s}, {"output", tail(output, k_output_tail)}};
        if (!ran->ok()) {
          std::string said = last_line(ran->err.empty() ? ran->out : ran->err);
          failure = ran->describe() + (said.empty() ? "" : ": " + said);
        }
      }
    }
    if (!failure.empty()) {
      extra["detail"] = failure;
      if (auto recorded = record(tier.name, "failed", extra); !recorded)
        return std::unexpected(recorded.error());
      note(fmt::format("{}: warning: deploying {} to {} failed: {} (the experiment stays kept; `anneal status {}` "
                       "shows its deployment)",
                       m_target.name, candidate_name(m_candidate), tier.name, failure, m_target.name));
      return false;
    }
    if (auto recorded = record(tier.name, "ran", extra); !recorded)
      return std::unexpected(recorded.error());
    note(fmt::format("{}: deployed {} to {} ({:.1f}s)", m_target.name, candidate_name(m_candidate), tier.name,
                     extra.value("duration_s", 0.0)));
    return true;
  }

  Workspace& m_ws;
  const Target& m_target;
  Ledger& m_ledger;
  const DeployHooks& m_hooks;
  Deployment m_candidate;
  fs::path m_worktree;
};

std::string tier_names(const Target& target) {
  std::vector<std::string> names;
  for (const auto& tier : target.deploy)
    names.push_back(tier.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

/// Where a candidate that does not wait stands, for messages.
std::string standing(const Deployment& d) {
  if (d.step == "failed")
    return fmt::format("its deployment failed at tier {} ({})", d.tier, d.detail);
  if (d.step == "rejected")
    return fmt::format("it was rejected at tier {} by {} ({})", d.tier, d.by, d.time);
  if (d.step == "waiting")
    return fmt::format("it waits for approval of tier {}", d.tier);
  if (d.deployed.empty())
    return "none of its tiers ran";
  return fmt::format("it was deployed to {}", fmt::join(d.deployed, ", "));
}

std::string waiting_list(const std::vector<Deployment>& all) {
  std::vector<std::string> waiting;
  for (const auto& d : all)
    if (d.waiting())
      waiting.push_back(fmt::format("{} at tier {}", candidate_name(d), d.tier));
  return waiting.empty() ? "nothing waits for approval" : fmt::format("waiting: {}", fmt::join(waiting, "; "));
}

/// The candidate a decision is about.
Result<const Deployment*> chosen(const Target& target, const std::vector<Deployment>& all, const DeployDecision& decision) {
  const char* verb = decision.approve ? "approve" : "reject";
  if (decision.key.empty()) {
    const Deployment* newest = nullptr;
    for (const auto& d : all)
      if (d.waiting() && (decision.tier.empty() || d.tier == decision.tier) &&
          (!newest || d.experiment > newest->experiment))
        newest = &d;
    if (!newest)
      return fail(fmt::format("nothing of target '{}' waits for approval{}; {}", target.name,
                              decision.tier.empty() ? "" : " of tier " + decision.tier, waiting_list(all)));
    return newest;
  }
  std::vector<const Deployment*> matches;
  for (const auto& d : all)
    if (d.key.starts_with(decision.key) || d.commit.starts_with(decision.key))
      matches.push_back(&d);
  if (matches.empty())
    return fail(fmt::format("no deployed candidate of target '{}' has a key or commit starting with '{}' ({}); "
                            "`anneal status {}` lists what waits",
                            target.name, decision.key, waiting_list(all), target.name));
  if (matches.size() > 1)
    return fail(fmt::format("'{}' names {} candidates of target '{}'; give more digits to anneal {}", decision.key,
                            matches.size(), target.name, verb));
  return matches.front();
}

}  // namespace

Result<void> deploy_new_best(Workspace& ws, const Target& target, const nlohmann::json& record, Ledger& ledger,
                             const DeployHooks& hooks) {
  if (target.deploy.empty() || record.value("id", 0) <= 0 || record.value("outcome", "") != "kept")
    return {};
  const nlohmann::json commit = record.value("commit", nlohmann::json());
  if (!commit.is_string() || record.value("state", nlohmann::json::object()).value("best", "") != commit)
    return {};  // kept, but not the best (annealing accepts some worse candidates)
  auto lock = lock_deployments(ws, target, hooks);
  if (!lock)
    return std::unexpected(lock.error());
  auto all = recorded_deployments(ledger);
  if (!all)
    return std::unexpected(all.error());
  if (find_deployment(*all, commit.get<std::string>()))
    return {};
  Deployment candidate;
  candidate.experiment = record.value("id", 0);
  candidate.key = record.value("key", "");
  candidate.commit = commit.get<std::string>();
  if (auto score = record.find("score"); score != record.end() && score->is_number())
    candidate.score = score->get<double>();
  TierRun run(ws, target, ledger, hooks, std::move(candidate));
  return run.run_from(0, "");
}

Result<void> deploy_new_best(Workspace& ws, const Target& target, const nlohmann::json& record, Ledger& ledger,
                             const BuildOptions& options) {
  return deploy_new_best(ws, target, record, ledger, DeployHooks{options.on_note, options.on_deploy});
}

Result<Deployment> decide_deployment(Workspace& ws, const Target& target, const DeployDecision& decision,
                                     const DeployHooks& hooks) {
  if (target.deploy.empty())
    return fail(fmt::format("target '{}' has no `deploy:` tiers, so nothing of it waits for approval", target.name));
  auto named = std::find_if(target.deploy.begin(), target.deploy.end(),
                            [&](const DeployTier& t) { return t.name == decision.tier; });
  if (!decision.tier.empty() && named == target.deploy.end())
    return fail(fmt::format("target '{}' has no deploy tier '{}' (its tiers: {})", target.name, decision.tier,
                            tier_names(target)));
  auto lock = lock_deployments(ws, target, hooks);
  if (!lock)
    return std::unexpected(lock.error());
  auto ledger = Ledger::open(ws.ledger_path(target.name));
  if (!ledger)
    return std::unexpected(ledger.error());
  auto all = recorded_deployments(*ledger);
  if (!all)
    return std::unexpected(all.error());
  auto picked = chosen(target, *all, decision);
  if (!picked)
    return std::unexpected(picked.error());
  const Deployment& d = **picked;
  if (!d.waiting())
    return fail(fmt::format("candidate {} of target '{}' does not wait for approval: {}", candidate_name(d),
                            target.name, standing(d)));
  if (!decision.tier.empty() && d.tier != decision.tier)
    return fail(fmt::format("candidate {} of target '{}' waits for approval of tier {}, not {}: {}",
                            candidate_name(d), target.name, d.tier, decision.tier,
                            approve_command(target, d, d.tier)));
  auto tier = std::find_if(target.deploy.begin(), target.deploy.end(), [&](const DeployTier& t) { return t.name == d.tier; });
  if (tier == target.deploy.end())
    return fail(fmt::format("candidate {} of target '{}' waits at tier {}, which the Annealfile no longer has (its "
                            "tiers: {})",
                            candidate_name(d), target.name, d.tier, tier_names(target)));
  auto repo = ws.repo();
  if (!repo)
    return std::unexpected(repo.error());
  auto who = git::user_identity(**repo);
  if (!who)
    return std::unexpected(who.error());
  TierRun run(ws, target, *ledger, hooks, d);
  if (auto recorded = run.record(d.tier, decision.approve ? "approved" : "rejected", {{"by", *who}}); !recorded)
    return std::unexpected(recorded.error());
  if (decision.approve)
    if (auto ran = run.run_from(static_cast<size_t>(tier - target.deploy.begin()), *who); !ran)
      return std::unexpected(ran.error());
  return run.candidate();
}

Result<std::string> apply_refusal(Workspace& ws, const Target& target, const std::string& commit) {
  if (target.deploy.empty() || !target.deploy.back().approve)
    return std::string();
  const std::string& last = target.deploy.back().name;
  auto ledger = Ledger::open(ws.ledger_path(target.name));
  if (!ledger)
    return std::unexpected(ledger.error());
  auto all = recorded_deployments(*ledger);
  if (!all)
    return std::unexpected(all.error());
  const Deployment* d = find_deployment(*all, commit);
  if (d && d->approved_for(last))
    return std::string();
  if (!d)
    return fmt::format("{}'s best candidate ({}) was never deployed, and its last tier, {}, needs an approval",
                       target.name, commit.substr(0, 12), last);
  if (d->waiting())
    return fmt::format("{}'s best candidate {} waits for approval of tier {}: {}", target.name, candidate_name(*d),
                       d->tier, approve_command(target, *d, d->tier));
  return fmt::format("{}'s best candidate {} is not approved for tier {}: {}", target.name, candidate_name(*d), last,
                     standing(*d));
}

}  // namespace anneal::graph
