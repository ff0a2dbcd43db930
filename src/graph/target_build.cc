#include "graph/target_build.h"

#include <chrono>
#include <map>
#include <numeric>
#include <ctime>

#include <fmt/format.h>

#include "git/worktree.h"
#include "graph/agent_prompt.h"
#include "graph/deployment.h"
#include "graph/disk_check.h"
#include "graph/draft_prompt.h"
#include "graph/draft_ranking.h"
#include "graph/experiment_record.h"
#include "graph/experiment_plan.h"
#include "graph/experiment_refs.h"
#include "graph/failed_node.h"
#include "graph/failure_classifier.h"
#include "graph/held_out_check.h"
#include "graph/judge_plan.h"
#include "graph/ledger.h"
#include "graph/llm_budget.h"
#include "graph/meta_optimizer.h"
#include "graph/node_batch.h"
#include "graph/retry_plan.h"
#include "graph/search_memory.h"
#include "graph/seen_candidates.h"
#include "graph/sequential_judging.h"
#include "graph/strategy_step.h"
#include "graph/target_knowledge.h"
#include "graph/target_state.h"
#include "nodes/candidate.h"
#include "nodes/node.h"
#include "nodes/search.h"
#include "proc/lock_file.h"
#include "proc/subprocess.h"
#include "util/file.h"

namespace anneal::graph {

namespace fs = std::filesystem;

namespace {

std::string score_text(const std::optional<double>& score) {
  return score ? fmt::format("{:g}", *score) : "-";
}

/// One target's build in progress.
class TargetBuild {
 public:
  TargetBuild(Workspace& workspace, const Annealfile& annealfile, const Target& target,
              const BuildOptions& options)
      : m_ws(workspace), m_file(annealfile), m_target(target), m_options(options),
        m_knowledge(workspace, target, [this](const std::string& text) { note(text); }), m_meta(workspace, target) {
    m_context.store = &m_ws.store();
    m_context.anneal_dir = m_ws.anneal_dir();
  }

  Result<TargetBuildResult> run();

 private:
  void note(const std::string& text) const {
    if (m_options.on_note)
      m_options.on_note(text);
  }
  Result<ExperimentPlan> plan(int id);
  /// The plan of `next`: a new experiment, or one that did not finish planned as it was.
  Result<ExperimentPlan> plan(const QueuedExperiment& next);
  const JudgeSamples* samples() const { return m_state.samples ? &*m_state.samples : nullptr; }
  /// Why the target must stop before `nodes` run (its USD budget), or "" to go ahead.
  Result<std::string> over_budget(const std::vector<PlannedNode>& nodes);
  /// How a call besides the mutations runs (graph/llm_call.h).
  CallHooks hooks() {
    return {[&](const auto& n) { return over_budget(n); }, [&](const auto& n) { return run_nodes_of(n); },
            [&](const auto& t) { note(t); }};
  }
  /// Consolidates the learnings when due after experiment `id`.
  Result<void> consolidate(int id);
  Result<const llm::PriceTable*> prices();
  /// Runs, through ninja, those of `nodes` whose results are not cached.
  Result<void> run_nodes_of(const std::vector<PlannedNode>& nodes);
  Result<nodes::NodeResult> decide(const ExperimentPlan& plan);
  /// judge.test.sequential: the judge nodes batch by batch (graph/sequential_judging.h).
  Result<void> judge_batches(ExperimentPlan& plan);
  /// search.surrogate: runs every draft's mutation, ranks the drafts by expected improvement
  /// and evaluates them in that order until one survives; the decide node then weighs only
  /// the drafts evaluated.
  Result<void> run_ranked(ExperimentPlan& plan);
  /// The surrogate's features of the baseline (recorded, so the model learns from it).
  Result<void> baseline_features();
  Result<nlohmann::json> record(const ExperimentPlan& plan, const nodes::NodeResult& decided);
  /// Removes the target's worktrees and their ready stamps.
  Result<void> prune_worktrees();
  /// Judges the incumbent on the held-out samples when due (at the baseline and every
  /// held_out_every kept experiments) and records it in `record`; returns why the target
  /// must pause, or "".
  Result<std::string> check_held_out(int id, nlohmann::json& record);
  Result<TargetBuildResult> dry_run(const TargetState& state);
  /// Reads the ledger's end and decides what is to be done (m_state, m_position, m_recent).
  Result<void> load_state();
  TargetBuildResult up_to_date() const;
  std::string ref(const std::string& leaf) const { return fmt::format("refs/anneal/{}/{}", m_target.name, leaf); }

  Workspace& m_ws;
  const Annealfile& m_file;
  const Target& m_target;
  const BuildOptions& m_options;
  nodes::NodeContext m_context;
  git::Repository* m_repo = nullptr;  ///< opened when the build has work to do
  std::optional<Ledger> m_ledger;
  TargetState m_state;
  SearchPosition m_position;
  SearchMemory m_memory;  ///< the strategies' structures, replayed from the ledger
  SeenCandidates m_seen;  ///< the trees measured in this run, replayed once the repository is open
  std::map<std::string, std::string> m_hypotheses;  ///< commit -> hypothesis, for crossover prompts
  /// search.surrogate, for the experiment being recorded: each draft's features (empty for a
  /// draft whose mutation failed) and the ranking.
  std::vector<std::vector<double>> m_features;
  nlohmann::json m_ranking;
  std::vector<nlohmann::json> m_recent;  ///< the last few records, for the agent's prompt
  TargetKnowledge m_knowledge;
  MetaOptimizer m_meta;  ///< the policy and the instructions' rewrites
  bool m_knowledge_loaded = false;
  /// The previous run's best change, tried as experiment #1 of a run on a new HEAD.
  std::optional<CarryOver> m_carry;
  std::optional<llm::PriceTable> m_prices;
  bool m_warned_unpriced = false;
  /// Whether the current experiment ran nodes: one whose nodes were all cached is replayed
  /// from the cache if its ledger record is lost, so that record is not synced on its own.
  bool m_ran_nodes = false;
  BatchUse m_batch_use;  ///< the current experiment's nodes, cached or run
  std::optional<ExperimentQueue> m_queue;  ///< what this build runs, set by load_state
  QueuedExperiment m_current;              ///< the experiment being run
};

Result<const llm::PriceTable*> TargetBuild::prices() {
  if (!m_prices) {
    auto table = llm::load_price_table();
    if (!table)
      return std::unexpected(table.error());
    m_prices = std::move(*table);
  }
  return &*m_prices;
}

Result<std::string> TargetBuild::over_budget(const std::vector<PlannedNode>& nodes) {
  auto table = prices();
  if (!table)
    return std::unexpected(table.error());
  CostEstimate estimate = estimate_calls(nodes, m_ws.store(), **table, m_options.fresh);
  if (!estimate.unpriced.empty() && !m_warned_unpriced) {
    m_warned_unpriced = true;
    note(fmt::format("{}: warning: no price is known for model '{}'; its calls are recorded as $0 (add it to "
                     "pricing.yaml or set `pricing` on the agent, see docs/pricing.md)",
                     m_target.name, estimate.unpriced.front()));
  }
  return budget_stop(m_target, estimate, m_ws);
}

Result<void> TargetBuild::consolidate(int id) {
  auto call = m_knowledge.consolidation(id);
  if (!call)
    return {};
  std::string what = fmt::format("{}: learnings not consolidated after #{}", m_target.name, id);
  auto done = run_call(*call, m_ws.store(), hooks(), what);
  if (!done)
    return std::unexpected(done.error());
  m_position.spent_usd += done->cost_usd();
  return done->result ? m_knowledge.learned(id, *call, *done->result) : Result<void>{};
}

Result<ExperimentPlan> TargetBuild::plan(int id) {
  if (id == 0)
    return plan_baseline(m_target, m_state.baseline, samples());
  if (id == 1 && m_carry) {
    nlohmann::json carry = {{"kind", "carry"}, {"from", m_carry->from}, {"to", m_carry->to}};
    DraftStart start{m_position.incumbent, false, "", "carry-over", "the previous run's best change"};
    return plan_experiment(m_target, id, m_position, {start}, {}, samples(), nlohmann::json(), &carry);
  }
  StrategyStep step = strategy_step(m_target, id, m_position, m_memory);
  if (m_target.agent.kind == AgentKind::Tune)
    return plan_experiment(
        m_target, id, m_position, step.starts, [](const DraftStart&) -> Result<std::string> { return ""; },
        samples(), step.reference, nullptr, m_seen.tune_points(m_target.agent.params, *m_repo));
  if (!m_knowledge_loaded) {
    if (auto loaded = m_knowledge.load(*m_ledger); !loaded)
      return std::unexpected(loaded.error());
    m_knowledge_loaded = true;
  }
  PromptInput shared;
  shared.experiment = id;
  shared.position = m_position;
  shared.recent = m_recent;
  m_meta.fill(shared);
  if (!m_target.instructions.empty()) {
    auto text = m_repo->read_file_at(m_position.incumbent, m_target.instructions);
    if (!text)
      return std::unexpected(text.error());
    shared.instructions = *text;
  }
  if (auto filled = m_knowledge.fill(shared); !filled)
    return std::unexpected(filled.error());
  return plan_experiment(
      m_target, id, m_position, step.starts, [&](const DraftStart& start) {
        return draft_prompt(m_target, *m_repo, m_hypotheses, m_position, id, start, shared);
      },
      samples(), step.reference);
}

Result<ExperimentPlan> TargetBuild::plan(const QueuedExperiment& next) {
  if (!next.retry)
    return plan(next.id);
  nlohmann::json reference = strategy_step(m_target, next.id, m_position, m_memory).reference;
  auto planned = plan_retry(m_ws, m_target, *next.retry, m_position, samples(), reference);
  if (planned)
    return planned;
  note(fmt::format("{}: note: {}; planned anew", m_target.name, planned.error().message));
  return plan(next.id);
}

Result<void> TargetBuild::run_nodes_of(const std::vector<PlannedNode>& nodes) {
  BatchOptions batch{{m_ws.ninja_dir(m_target.name), m_options.jobs, m_options.keep_going, m_options.fresh, m_options.node_env, {}},
                     m_options.anneal_exe, m_options.watch_nodes, m_options.place};
  auto ran = run_batch(m_ws, {m_target, m_current.id, m_state.budget, {}}, nodes, batch);
  if (!ran)
    return std::unexpected(ran.error());
  m_ran_nodes = m_ran_nodes || !ran->empty();
  m_batch_use.add(nodes, *ran);
  return {};
}

Result<void> TargetBuild::judge_batches(ExperimentPlan& plan) {
  auto incumbent = judge_in_batches(plan, m_target, m_position, *samples(), m_ws.store(),
                                    [&](const std::vector<PlannedNode>& nodes) { return run_nodes_of(nodes); });
  if (!incumbent)
    return std::unexpected(incumbent.error());
  m_position.incumbent_samples = std::move(*incumbent);
  return {};
}

Result<void> TargetBuild::baseline_features() {
  auto features = candidate_features(*m_repo, m_target, m_state.baseline, m_state.baseline);
  if (!features)
    return std::unexpected(features.error());
  m_features = {*features};
  return {};
}

Result<void> TargetBuild::run_ranked(ExperimentPlan& plan) {
  auto ranked = evaluate_ranked(plan, m_target, m_memory, *m_repo, m_context,
                                [&](const std::vector<PlannedNode>& nodes) { return run_nodes_of(nodes); });
  if (!ranked)
    return std::unexpected(ranked.error());
  m_features = std::move(ranked->features);
  m_ranking = std::move(ranked->record);
  return {};
}

Result<nodes::NodeResult> TargetBuild::decide(const ExperimentPlan& plan) {
  if (auto saved = m_ws.save_spec(plan.decide); !saved)
    return std::unexpected(saved.error());
  if (!m_options.fresh)
    if (auto cached = nodes::cached_result(m_ws.store(), plan.decide.key))
      return *cached;
  // Deciding is pure arithmetic over stored results: the build does it itself.
  return nodes::execute_node(m_context, plan.decide);
}

Result<nlohmann::json> TargetBuild::record(const ExperimentPlan& plan, const nodes::NodeResult& decided) {
  double counted = m_current.retry ? m_current.retry->last.value("cost_usd", 0.0) : 0.0;
  nlohmann::json r = experiment_record(
      {m_target, m_state, plan, decided, m_current.attempt(), counted, m_features, m_ranking}, m_position);
  if (plan.id == 0 && m_carry)  // so that a build resumed before #1 still carries it over
    r["carry"] = {{"from", m_carry->from}, {"to", m_carry->to}};
  r["cached"] = m_batch_use.cached();
  m_meta.stamp(r);
  return r;
}

Result<std::string> TargetBuild::check_held_out(int id, nlohmann::json& record) {
  const JudgeSamples* judged = samples();
  if (!judged || judged->held_out.empty() || !record.contains("judge"))
    return std::string();
  if (id > 0 && (record.value("outcome", "") != "kept" ||
                 m_position.kept_since_held_out < m_target.judge->held_out_every))
    return std::string();
  std::vector<PlannedNode> nodes =
      plan_judge_nodes(m_target, {{"commit", m_position.incumbent}}, {}, "held_out", judged->held_out,
                       fmt::format("{}#{}", m_target.name, id));
  auto stop = over_budget(nodes);
  if (!stop)
    return std::unexpected(stop.error());
  if (!stop->empty()) {
    note(fmt::format("{}: held-out check after #{} skipped: {}", m_target.name, id, *stop));
    return std::string();
  }
  if (auto ran = run_nodes_of(nodes); !ran)
    return fail(fmt::format("{}: held-out check after #{}: {}", m_target.name, id, ran.error().message));
  std::vector<double> scores;
  for (const auto& node : nodes) {
    auto result = nodes::latest_result(m_ws.store(), node.spec.key);
    if (!result || !result->ok() || !result->score) {
      note(fmt::format("{}: held-out check after #{} failed: {}", m_target.name, id,
                       result ? result->detail : "no result"));
      return std::string();
    }
    m_position.spent_usd += result->cost_usd;
    scores.push_back(*result->score);
  }
  double held_out = std::accumulate(scores.begin(), scores.end(), 0.0) / scores.size();
  HeldOutVerdict verdict =
      held_out_verdict(m_target.name, id, held_out, record.at("judge").value("score", 0.0), m_position);
  if (!verdict.warning.empty())
    note(verdict.warning);
  record["held_out"] = verdict.check;
  record["state"] = m_position.to_json();
  return verdict.pause;
}

Result<void> TargetBuild::prune_worktrees() {
  fs::path dir = m_ws.worktrees_dir(m_target.name);
  if (auto pruned = git::prune_worktrees(*m_repo, dir); !pruned)
    return std::unexpected(pruned.error());
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".ready")
      fs::remove(it->path(), ec);
  return {};
}

Result<TargetBuildResult> TargetBuild::dry_run(const TargetState& state) {
  TargetBuildResult result;
  result.status = BuildStatus::DryRun;
  if (state.kind == TargetState::Kind::UpToDate) {
    note(fmt::format("{}: up to date ({})", m_target.name, state.reason));
    return result;
  }
  auto next = m_queue->next(m_position, state.budget);
  if (!next)
    return result;
  auto plan = this->plan(*next);
  if (!plan)
    return std::unexpected(plan.error());
  const int first = next->id;
  const int fresh = std::max(0, state.budget - m_position.planned);
  const size_t again = m_queue->retries().size();
  if (first == 0)
    note(fmt::format("{}: {}; the baseline and {} experiment(s) to run", m_target.name, state.reason, state.budget));
  else if (again > 0)
    note(fmt::format("{}: {}; {} to run again{}", m_target.name, state.reason,
                     experiment_numbers(state.unfinished),
                     fresh ? fmt::format(", then {} new from #{}", fresh, m_position.planned + 1) : ""));
  else
    note(fmt::format("{}: {}; {} experiment(s) to run, from #{}", m_target.name, state.reason, fresh, first));
  int cached = 0;
  for (const auto& node : plan->nodes) {
    if (nodes::cached_result(m_ws.store(), node.spec.key))
      ++cached;
    else
      note(fmt::format("  would run {} ({})", node.description, node.spec.key.hex().substr(0, 16)));
  }
  if (cached)
    note(fmt::format("  {} node(s) of experiment #{} are cached", cached, first));
  // The baseline makes no call: price a new target's first experiment as if it started
  // from the baseline.
  std::optional<ExperimentPlan> costed;
  int costed_id = first;
  if (!plan->calls.empty()) {
    costed = std::move(*plan);
  } else if (first == 0 && state.budget > 0 && m_target.agent.kind == AgentKind::Api) {
    SearchPosition saved = m_position;
    m_position.baseline = m_position.incumbent = m_position.best = m_state.baseline;
    auto first = this->plan(1);
    m_position = saved;
    if (!first)
      return std::unexpected(first.error());
    costed = std::move(*first);
    costed_id = 1;
  }
  if (costed) {
    auto table = prices();
    if (!table)
      return std::unexpected(table.error());
    CostEstimate estimate = estimate_calls(costed->nodes, m_ws.store(), **table, m_options.fresh);
    int remaining = first == 0 ? state.budget : static_cast<int>(again) + fresh;
    if (!estimate.unpriced.empty())
      note(fmt::format("  estimated cost: unknown (no price for model '{}'; see docs/pricing.md)",
                       estimate.unpriced.front()));
    else
      note(fmt::format("  estimated cost: up to ${:.4f} for experiment #{} ({} LLM call(s)), up to ${:.2f} for "
                       "the {} experiment(s) to run",
                       estimate.usd, costed_id, estimate.calls, estimate.usd * remaining, remaining));
    auto spend = target_spend(m_ws, m_target.name);
    if (!spend)
      return std::unexpected(spend.error());
    std::string day_limit = m_target.budget.usd_per_day ? fmt::format(" of ${:.2f}", *m_target.budget.usd_per_day) : "";
    note(fmt::format("  spent today: ${:.4f}{}; in all: ${:.4f}", spend->today, day_limit, spend->total));
  }
  if (first > 0 || state.budget > 0)
    note("  (later experiments depend on this one's outcome)");
  return result;
}

Result<void> TargetBuild::load_state() {
  auto ledger = Ledger::open(m_ws.ledger_path(m_target.name));
  if (!ledger)
    return std::unexpected(ledger.error());
  m_ledger = std::move(*ledger);
  auto state = inspect_target(m_ws, m_file, m_target, m_options.experiments, m_options.more);
  if (!state)
    return std::unexpected(state.error());
  m_state = *state;
  if (m_options.fresh && m_state.kind != TargetState::Kind::New) {
    m_state.kind = TargetState::Kind::Replay;
    m_state.next_id = 0;
    m_state.reason = "--fresh: every node runs again";
  }
  m_carry = m_state.carry;
  if (m_state.kind == TargetState::Kind::Resume && m_state.next_id == 1)
    if (const auto& c = m_state.last->value("carry", nlohmann::json()); c.is_object())
      m_carry = CarryOver{c.value("from", ""), c.value("to", "")};
  m_memory = SearchMemory::start(m_target);
  m_seen = {};
  m_hypotheses.clear();
  m_queue.emplace(true, SearchPosition{}, std::vector<nlohmann::json>{});
  m_meta.replay({});
  if (m_state.kind == TargetState::Kind::Resume) {
    m_position = recorded_position(*m_state.last);
    {
      // The strategies' structures and the surrogate's training points are not in the
      // ledger's last line: replay its records.
      auto generation = m_ledger->generation();
      if (!generation)
        return std::unexpected(generation.error());
      m_memory = SearchMemory::replay(m_target, *generation);
      m_meta.replay(*generation);
      for (const auto& record : *generation) {
        if (record.contains("commit") && record.at("commit").is_string())
          m_hypotheses[record.at("commit").get<std::string>()] = record.value("hypothesis", "");
        if (m_repo)
          m_seen.add(record, m_ws.store(), *m_repo);
      }
      m_queue.emplace(false, m_position, *generation);
    }
    auto recent = m_ledger->recent(m_target.knowledge.recent);
    if (!recent)
      return std::unexpected(recent.error());
    m_recent = std::move(*recent);
  }
  return {};
}

TargetBuildResult TargetBuild::up_to_date() const {
  TargetBuildResult result;
  auto position = SearchPosition::from_json(m_state.last->value("state", nlohmann::json::object()));
  result.summary = fmt::format("{}: up to date ({}, best {})", m_target.name, m_state.reason,
                               score_text(position.best_score));
  return result;
}

Result<TargetBuildResult> TargetBuild::run() {
  // A dry run and an up-to-date target read the ledger's end and take no lock; an
  // up-to-date one does not even open the repository.
  if (auto loaded = load_state(); !loaded)
    return std::unexpected(loaded.error());
  if (m_state.kind == TargetState::Kind::UpToDate && !m_options.dry_run)
    return up_to_date();
  auto repo = m_ws.repo();
  if (!repo)
    return std::unexpected(repo.error());
  m_context.repo = [repo = *repo]() -> Result<git::Repository*> { return repo; };
  m_repo = *repo;
  if (samples())
    if (std::string warning = judge_power_warning(m_target, samples()->samples.size()); !warning.empty())
      note(warning);
  if (m_options.dry_run) {
    if (auto loaded = load_state(); !loaded)  // again, with the repository: the trees measured
      return std::unexpected(loaded.error());
    return dry_run(m_state);
  }

  if (auto made = make_dirs(m_ws.target_dir(m_target.name)); !made)
    return std::unexpected(made.error());
  auto lock = proc::LockFile::acquire(m_ws.lock_path(m_target.name), [&](const proc::LockHolder& holder) {
    note(fmt::format("{}: waiting for the build held by {}", m_target.name, holder.describe()));
  });
  if (!lock)
    return std::unexpected(lock.error());
  // The build we waited for may have moved the target on.
  if (auto loaded = load_state(); !loaded)
    return std::unexpected(loaded.error());
  if (m_state.kind == TargetState::Kind::UpToDate)
    return up_to_date();

  TargetBuildResult result;
  if ((m_state.kind == TargetState::Kind::New || !m_state.moved.empty()) && m_target.needs.empty() &&
      m_repo->has_uncommitted_changes())
    note(fmt::format("{}: note: uncommitted changes are not seen (only the Annealfile is read from your working "
                     "tree); the baseline is HEAD ({})",
                     m_target.name, m_state.baseline.substr(0, 12)));
  if (m_state.kind == TargetState::Kind::Replay)
    note(fmt::format("{}: {}; {}{}", m_target.name, m_state.reason,
                     m_state.moved.empty() ? "replaying from the baseline" : "a new run from HEAD",
                     m_carry ? ", first trying the previous best's change there"
                     : m_options.fresh ? ""
                                       : " (cached results are reused)"));

  // Whatever an interrupted build left behind is stale now that we hold the lock, once the
  // nodes it left running (they notice it is gone within moments) have stopped.
  if (auto waited = proc::wait_for_shared_holders(m_ws.nodes_lock_path(m_target.name)); !waited)
    return std::unexpected(waited.error());
  if (auto pruned = prune_worktrees(); !pruned)
    return std::unexpected(pruned.error());
  std::error_code ec;
  fs::remove_all(m_ws.anneal_dir() / "tmp" / m_target.name, ec);
  fs::remove(m_ws.stop_path(m_target.name), ec);  // a stop meant for an earlier build
  m_position.consecutive_failures = 0;

  result.status = BuildStatus::Built;
  int last = m_state.next_id - 1;
  while (auto next = m_queue->next(m_position, m_state.budget)) {
    int id = next->id;
    if (fs::exists(m_ws.stop_path(m_target.name), ec)) {
      fs::remove(m_ws.stop_path(m_target.name), ec);
      result.status = BuildStatus::Stopped;
      note(fmt::format("{}: stopped after experiment #{} (anneal stop)", m_target.name, last));
      break;
    }
    last = id;
    if (proc::interrupted())
      return fail("interrupted");
    if (auto room = check_free_disk(m_ws, m_file.safety.min_free_disk, m_target.name, id); !room)
      return std::unexpected(room.error());
    m_ran_nodes = false;
    m_batch_use = {};
    m_current = *next;
    if (auto due = next->retry ? Result<void>{} : m_meta.prepare(id, m_position, *m_repo, hooks()); !due)
      return std::unexpected(due.error());
    auto plan = this->plan(*next);
    if (!plan)
      return std::unexpected(plan.error());
    if (!plan->calls.empty() || !m_target.agent.cost_field.empty()) {
      auto stop = over_budget(plan->nodes);
      if (!stop)
        return std::unexpected(stop.error());
      if (!stop->empty()) {
        result.status = BuildStatus::BudgetSpent;
        note(fmt::format("{}: stopped before experiment #{}: {}", m_target.name, id, *stop));
        break;
      }
    }
    m_features.clear();
    m_ranking = nullptr;
    bool ranked = m_target.search.surrogate && id > 0 && plan->mutations.size() > 1;
    // Sequential judging runs its own batches; otherwise the mutations run first, and only
    // the drafts whose trees are new are evaluated.
    bool batches = !ranked && judges_in_batches(m_target, *plan, samples());
    Result<void> ran = ranked ? run_ranked(*plan) : batches ? judge_batches(*plan) : Result<void>{};
    if (!ranked && !batches)
      if (auto unseen = run_unseen(*plan, m_seen, m_ws.store(), [&](const auto& n) { return run_nodes_of(n); });
          !unseen)
        ran = std::unexpected(unseen.error());
    if (!ran)
      return fail(fmt::format("{}: experiment #{}: {}", m_target.name, id, ran.error().message));
    if (m_target.search.surrogate && id == 0)
      if (auto f = baseline_features(); !f)
        return std::unexpected(f.error());
    auto decided = decide(*plan);
    if (!decided)
      return std::unexpected(decided.error());
    if (id == 0 && decided->decision.value("outcome", "") != "baseline")
      return fail(fmt::format("{}: the baseline ({}) fails its own checks: {} (log: {})\n"
                              "fix the evaluation first ({})",
                              m_target.name, m_state.baseline.substr(0, 12),
                              decided->decision.value("detail", ""),
                              decided->unfinished ? "it did not finish, so nothing is cached: the next build runs it again"
                                                  : "the result is cached: after fixing something outside the "
                                                    "repository, run with --fresh",
                              show_failure_command(m_ws, {{"key", plan->decide.key.hex()}})));
    auto record = this->record(*plan, *decided);
    if (!record)
      return std::unexpected(record.error());
    auto classified = classify_failure(m_target, *plan, *record, m_ws.store(), hooks());
    if (!classified)
      return std::unexpected(classified.error());
    if (*classified > 0) {
      m_position.spent_usd += *classified;
      (*record)["state"] = m_position.to_json();
    }
    if (auto refs = update_experiment_refs(*m_repo, m_context, m_target, *plan, m_position, m_state.baseline); !refs)
      return std::unexpected(refs.error());
    auto pause = check_held_out(id, *record);
    if (!pause)
      return std::unexpected(pause.error());
    if (auto appended = m_ledger->append(*record, m_ran_nodes ? Ledger::Sync::Now : Ledger::Sync::Deferred);
        !appended)
      return std::unexpected(appended.error());
    m_memory.add(m_target, *record);
    m_meta.add(*record);
    m_seen.add(*record, m_ws.store(), *m_repo);
    if (record->contains("commit") && record->at("commit").is_string())
      m_hypotheses[record->at("commit").get<std::string>()] = record->value("hypothesis", "");
    m_recent.push_back(*record);
    if (id == 1 && m_carry && record->value("outcome", "") == "blocked")
      note(fmt::format("{}: note: {}; the search goes on from HEAD", m_target.name, record->value("detail", "")));
    while (m_recent.size() > static_cast<size_t>(m_target.knowledge.recent))
      m_recent.erase(m_recent.begin());
    if (m_knowledge_loaded)
      m_knowledge.add(*record);
    // Learnings are consolidated when an experiment number is first reached, not again.
    if (auto learned = m_current.retry ? Result<void>{} : consolidate(id); !learned)
      return std::unexpected(learned.error());
    if (id > 0)
      ++result.experiments_run;
    if (m_options.on_experiment)
      m_options.on_experiment(m_target, *record, m_state.budget);
    if (auto deployed = deploy_new_best(m_ws, m_target, *record, *m_ledger, m_options); !deployed)
      return std::unexpected(deployed.error());
    if (!pause->empty()) {
      result.status = BuildStatus::Stopped;
      note(*pause);
      break;
    }
    if (auto going = check_consecutive_failures(m_ws, m_target, m_position.consecutive_failures, *record); !going)
      return std::unexpected(going.error());
  }
  if (auto synced = m_ledger->sync(); !synced)
    return std::unexpected(synced.error());
  // Worktrees are reused between experiments; none outlives the build.
  if (auto pruned = prune_worktrees(); !pruned)
    return std::unexpected(pruned.error());
  result.summary = fmt::format("{}: {} experiment(s) run{}; best {} (baseline {}), branch anneal/{}", m_target.name,
                               result.experiments_run, m_state.next_id == 0 ? " after the baseline" : "",
                               score_text(m_position.best_score),
                               score_text(m_position.baseline_score), m_target.name);
  result.unfinished = static_cast<int>(m_position.unfinished.size());
  if (!m_position.unfinished.empty())
    result.summary += fmt::format("; {} did not finish (anneal build runs {} again)",
                                  experiment_numbers(m_position.unfinished),
                                  m_position.unfinished.size() == 1 ? "it" : "them");
  return result;
}

}  // namespace

Result<TargetBuildResult> build_target(Workspace& workspace, const Annealfile& annealfile,
                                       const Target& target, const BuildOptions& options) {
  TargetBuild build(workspace, annealfile, target, options);
  return build.run();
}

}  // namespace anneal::graph
