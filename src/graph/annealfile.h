// graph: the Annealfile model, experiment planning, node specs and keys, build.ninja, ledger.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace anneal::graph {

/// A 1-based position in the Annealfile, for diagnostics.
struct SourceLoc {
  int line = 0;
  int column = 0;
};

/// One numeric parameter the built-in `tune` agent may perturb.
struct TuneParam {
  std::string file;     ///< path relative to the repository root
  std::string pattern;  ///< RE2 regex with exactly one capture group: the number
  double min = 0;
  double max = 0;
  bool integer = false;
  SourceLoc loc;
  SourceLoc file_loc;     ///< of the `file:` value
  SourceLoc pattern_loc;  ///< of the `pattern:` value
};

enum class AgentKind { Command, Tune, Api };

/// `sandbox`, `network`, `writable` and `pass_env` of a command agent or a command (gate,
/// stage, judge.generate): what the command may reach (see proc/sandbox.h).
struct Containment {
  enum class Sandbox { Auto, On, Off };
  /// auto: bubblewrap where it works, else one warning per build and none.
  Sandbox sandbox = Sandbox::Auto;
  bool network = true;
  /// Absolute paths or `~/…` (expanded where the command runs), writable besides the worktree.
  std::vector<std::string> writable;
  /// Secret variables the command is given all the same.
  std::vector<std::string> pass_env;
  SourceLoc sandbox_loc;  ///< where `sandbox:` is written (line 0: not written)
};

/// `executor:` (the Annealfile's, an agent's, a gate's or a stage's): where a node runs
/// (graph/node_placement.h, docs/slurm.md). Never part of a node's key.
struct Executor {
  enum class Kind { Local, Slurm };
  Kind kind = Kind::Local;
  std::string partition;             ///< slurm: srun --partition; empty: the cluster's default
  std::vector<std::string> options;  ///< slurm: more srun arguments, as written
  int jobs = 0;                      ///< ninja -j when none is given; 0: the partition's idle CPUs
  SourceLoc loc;
};

/// `resources:` of a command agent, gate or stage: srun flags (the local executor ignores them).
struct Resources {
  int cpus = 0;        ///< --cpus-per-task; 0: not asked
  std::string memory;  ///< --mem, Slurm's syntax; empty: not asked
  std::string gpus;    ///< --gpus; empty: not asked
  double time_s = 0;   ///< --time; 0: from the command's timeout
};

/// How an `api` agent reaches its model (see annealfile.schema.yaml for each field).
struct ApiSettings {
  std::string provider;  ///< "openai" | "anthropic"
  std::string model;
  std::string base_url;     ///< empty: the provider's public endpoint
  std::string api_key_env;  ///< empty: OPENAI_API_KEY or ANTHROPIC_API_KEY
  std::optional<double> temperature;  ///< unset: the provider's default (1.0 for spreads)
  /// `temperature_supported`; unset: llm::accepts_temperature of the model.
  std::optional<bool> temperature_supported;
  double temperature_spread = 0.5;
  int max_tokens = 4096;
  int max_context_tokens = 64000;
  std::optional<int64_t> seed;
  int max_concurrent = 4;
  int retries = 5;
  int whole_file_max_bytes = 16 * 1024;
  struct Pricing {
    double input = 0;   ///< USD per million prompt tokens
    double output = 0;  ///< USD per million completion tokens
  };
  std::optional<Pricing> pricing;
  SourceLoc temperature_loc;  ///< of the `temperature:` value, when set
};

/// A named agent (`agents:`) or one written inline in a target.
struct Agent {
  std::string name;  ///< the key under `agents:`; for an inline agent, "<target>.agent"
  AgentKind kind = AgentKind::Command;
  std::string run;              ///< command: shell command run in the candidate worktree
  double timeout_s = 0;         ///< command: 0 = no timeout
  std::vector<TuneParam> params;  ///< tune
  std::string cost_field;        ///< command: dotted path of the cost in its JSON output
  ApiSettings api;               ///< api
  Containment containment;       ///< command
  std::optional<Executor> executor;  ///< command: unset: the Annealfile's
  Resources resources;               ///< command
  nlohmann::json config;        ///< the agent's mapping as written (api settings live here)
  SourceLoc loc;
  SourceLoc run_loc;  ///< command: of the `run:` value
};

/// A verification gate: a command that must exit 0 before any stage runs.
struct Gate {
  std::string name;
  std::string run;
  double timeout_s = 0;
  SourceLoc loc;
  Containment containment;
  std::optional<Executor> executor;  ///< unset: the Annealfile's
  Resources resources;
};

/// `keep_if: "< 50"`: the stage's score must satisfy this or the candidate is rejected.
struct Condition {
  enum class Op { Less, LessEqual, Greater, GreaterEqual, Equal, NotEqual };
  Op op = Op::Less;
  double value = 0;
  std::string text;  ///< as written, for messages
};

/// A deterministic fidelity stage.
struct Stage {
  std::string name;
  std::string run;
  std::string parse;  ///< optional: reads `run`'s stdout on stdin, prints the number
  int repeat = 1;     ///< runs this many times; the score is the median
  std::optional<Condition> keep_if;
  bool exclusive = false;  ///< runs with nothing else running (timing-sensitive)
  double timeout_s = 0;
  Containment containment;  ///< for `run` and `parse`
  /// Stages this one waits for. Unset: the stage before it in the list (cheap first).
  std::optional<std::vector<std::string>> needs;
  std::optional<Executor> executor;  ///< unset: the Annealfile's
  Resources resources;
  SourceLoc loc;
};

/// The samples a judge reads: files matching a glob, or texts written in the Annealfile.
struct SampleSet {
  std::string glob;                 ///< relative to the repository root; empty: `texts`
  std::vector<std::string> texts;   ///< inline samples
  SourceLoc loc;                    ///< of the value (the glob or the list)
  bool empty() const { return glob.empty() && texts.empty(); }
};

/// One YES/NO question of a judge.
struct Criterion {
  std::string name;      ///< `name:` as written; empty for a bare question
  std::string question;
  std::optional<Condition> keep_if;  ///< on the criterion's pass rate over the samples
  SourceLoc loc;
};

/// `judge.generate`: how the output that is judged is made from the artifact.
struct JudgeGenerate {
  std::string run;        ///< a shell command (stdout = output); empty: `agent`
  double timeout_s = 0;
  Containment containment;  ///< of `run`
  std::optional<Agent> agent;  ///< an api agent answering the sample, the artifact as system prompt
};

/// `judge.test`: how per-sample scores are compared with the incumbent's.
struct JudgeTest {
  double alpha = 0.05;
  int window = 50;
  std::string zero_method = "wilcox";
  bool correction = false;
  double min_effect = 0.8;  ///< Cohen's d_z needed below six pairs
  /// Judge the samples in batches and stop a candidate as soon as the test decides
  /// (early_stop; graph/sequential_judging.h). On by default since the futility test keeps
  /// the fixed-n test's errors and power (bench/README.md); false judges every sample.
  bool sequential = true;
  int batch = 6;  ///< samples judged per batch when sequential
  /// When sequential: "futility" (the fixed-n Wilcoxon test, stopped early only as worse:
  /// stats/predictive_futility.h) or "betting" (the e-process of stats/sequential_testing.h,
  /// which also keeps early but loses power).
  std::string early_stop = "futility";
};

/// `judge:`: stochastic evaluation by an LLM against YES/NO criteria.
struct Judge {
  Agent agent;  ///< resolved api agent
  SampleSet samples;
  SampleSet held_out;
  std::vector<Criterion> criteria;
  int votes = 3;
  std::string method = "majority";  ///< majority | bradley-terry
  std::optional<JudgeGenerate> generate;
  int held_out_every = 5;
  std::optional<Condition> keep_if;  ///< on the judge's score
  JudgeTest test;
  SourceLoc loc;

  /// The index of the criterion a metric `judge.NAME` or `judge.N` (1-based) names;
  /// nullopt for anything else (including plain `judge`).
  std::optional<size_t> criterion_of(std::string_view metric) const;
};

enum class Direction { Maximize, Minimize };

struct Objective {
  std::string metric;  ///< a stage name (later: `judge` or a judge criterion)
  Direction direction = Direction::Maximize;
  double min_improvement = 0;
  SourceLoc loc;
};

/// `search.population`: tournament selection over islands of the best candidates.
struct PopulationSettings {
  int size = 8;           ///< members per island
  int tournament = 3;     ///< candidates drawn per tournament
  int islands = 1;
  int migrate_every = 10; ///< experiments between migrations (each island's best to the next)
  double crossover = 0.3; ///< chance a draft gets a second parent to combine with
};

/// `search.tree`: UCB1 over the tree of candidate commits.
struct TreeSettings {
  double exploration = 1.4142135623730951;
  int prune_after = 5;  ///< expansions in a row without beating a node before it is dead
};

/// One behaviour axis of the MAP-Elites archive: a metric binned over [min, max].
struct ArchiveDescriptor {
  std::string metric;
  double min = 0;
  double max = 1;
  int bins = 5;
};

struct Search {
  /// greedy | annealing | population | pareto | tree | elites | auto
  std::string strategy = "greedy";
  uint64_t seed = 0;
  nlohmann::json config;  ///< the whole `search:` mapping (strategy parameters)
  bool surrogate = false;  ///< with drafts > 1: a GP ranks the drafts, the best evaluated first
  PopulationSettings population;
  TreeSettings tree;
  /// elites: the archive's axes; empty with a judge: each criterion's pass rate in 5 bins.
  std::vector<ArchiveDescriptor> archive;
  std::vector<std::string> arms;  ///< auto: the strategies it chooses among
};

struct Budget {
  int experiments = 20;
  std::optional<double> usd_per_experiment;
  std::optional<double> usd_per_day;
  int max_consecutive_failures = 5;
};

/// `knowledge:`: what the agent hears about past experiments and other targets' lessons.
struct KnowledgeSettings {
  int similar = 5;            ///< similar past experiments shown
  int recent = 8;             ///< latest experiments shown
  int consolidate_every = 10; ///< api agents: summarise learnings this often (0: never)
  std::string domain = "general";
  bool share = true;          ///< use the user's cross-target learning pool
  /// `domain_penalty` (or its first name, `cross_domain_penalty`): the weight of a pooled
  /// lesson from another domain against an equally similar one of this domain.
  double domain_penalty = 0.5;
  /// `retrieval: tfidf|embeddings`: how similar attempts and pooled lessons are found.
  bool embeddings = false;
  /// retrieval: embeddings: the api agent whose OpenAI-compatible endpoint embeds
  /// (graph/embedding_retrieval.h); resolved by check_annealfile.
  std::optional<Agent> agent;
};

/// `taxonomy:`: an LLM that classifies the failures the built-in rules leave as `crash` or
/// `regression` (graph/failure_classifier.h).
struct Taxonomy {
  Agent agent;  ///< resolved api agent
};

/// `policy:`: an LLM that rewrites the mutation instructions the agent is given every
/// `every` experiments, from how they went, and rolls back a version that does worse than
/// the one before it (graph/policy_version.h).
struct Policy {
  Agent agent;  ///< resolved api agent
  int every = 5;
};

struct Scope {
  std::vector<std::string> editable;   ///< globs; a target's `artifact` files are always editable
  std::vector<std::string> immutable;  ///< globs
  std::vector<std::string> hidden;     ///< globs the agent must not read (nodes/hidden_paths.h)
};

/// One entry of `notify:` (graph/notify.h): the events it wants and where they go.
struct NotifyRule {
  std::vector<std::string> on;  ///< event names (graph/notify.h's k_notify_events)
  std::string run;              ///< a shell command given the event as JSON on stdin; or
  std::string url;              ///< a URL it is POSTed to, as written ($VAR expands when sent)
  double timeout_s = 30;        ///< the command's limit, or all of the url's attempts'
  std::vector<std::string> pass_env;  ///< run: secret variables it is given all the same
  SourceLoc loc;
};

/// One tier of `deploy:` (graph/deployment.h): where a new best goes, tier after tier.
struct DeployTier {
  std::string name;
  std::string run;       ///< shell command, run in a worktree of the candidate
  bool approve = false;  ///< waits for `anneal approve` before `run` runs
  double timeout_s = 600;
  std::vector<std::string> pass_env;  ///< secret variables it is given all the same
  SourceLoc loc;
};

struct DraftBounds {
  int min = 1;
  int max = 4;
};

struct Target {
  std::string name;
  std::vector<std::string> needs;
  std::vector<std::string> artifact;
  Scope scope;
  Agent agent;  ///< resolved: a named agent copied in, or the inline one
  /// `baseline: pinned`: the baseline stays the commit of the first build instead of
  /// following HEAD (graph/baseline_choice.h).
  bool baseline_pinned = false;
  /// `inputs:` globs of what the checks read; empty: every path of the tree counts.
  std::vector<std::string> inputs;
  std::string instructions;  ///< optional guidance file, relative to the repository root
  int drafts = 1;  ///< drafts per experiment; with drafts_auto, the most an experiment gets
  /// `drafts: auto` or `drafts: {min, max}`: the count follows the drafts' survival rate
  /// (graph/draft_count.h) within these bounds.
  std::optional<DraftBounds> drafts_auto;
  double restart_probability = 0;  ///< chance a draft starts from the baseline
  KnowledgeSettings knowledge;
  std::optional<Taxonomy> taxonomy;
  std::optional<Policy> policy;
  std::vector<Gate> verify;
  std::vector<Stage> stages;
  std::optional<Judge> judge;
  Objective objective;  ///< the first (or only) objective: the score
  std::vector<Objective> objectives;  ///< all of them (a list objective: pareto)
  Search search;
  Budget budget;
  std::vector<NotifyRule> notify;  ///< besides the Annealfile's own
  std::vector<DeployTier> deploy;  ///< in order; empty: nothing is deployed
  /// The target's mapping with its agent resolved and `budget.experiments` removed:
  /// everything that can change an experiment's result, for the target's config digest.
  nlohmann::json config;
  SourceLoc loc;
};

/// `safety:`: what a build checks before each experiment.
struct Safety {
  /// Bytes that must be free on .anneal/'s file system (graph/disk_check.h); 0: not checked.
  uint64_t min_free_disk = uint64_t{1} << 30;
};

/// `cache:`: a remote cache shared with other machines.
struct CacheConfig {
  std::string remote;  ///< URL; empty: local cache only
  bool read_only = false;
  std::string token_env;  ///< variable holding a bearer token; empty: ANNEAL_REMOTE_TOKEN
  /// The largest entry read from or written to the remote (bytes); a larger remote body is
  /// cut and the remote skipped for the build.
  uint64_t max_entry_size = uint64_t{64} << 20;
};

/// A parsed and validated Annealfile.
struct Annealfile {
  std::filesystem::path path;  ///< as given, used in diagnostics
  int version = 1;
  std::map<std::string, Agent> agents;
  std::vector<Target> targets;  ///< in file order
  CacheConfig cache;
  std::optional<Executor> executor;  ///< `executor:` at the top; unset: local
  Safety safety;
  std::vector<NotifyRule> notify;  ///< for every target's events

  const Target* find_target(std::string_view name) const;
};

/// Reads, schema-validates and checks `path`. Every error message starts with
/// "PATH:LINE:COL: error: " and says what is wrong; `caret` adds the source line and
/// a caret under the column (for terminals). Several errors are joined by newlines.
Result<Annealfile> load_annealfile(const std::filesystem::path& path, bool caret = false);

/// The same, from text already in memory (`path` names it in messages).
Result<Annealfile> parse_annealfile(std::string_view text, const std::filesystem::path& path,
                                    bool caret = false);

/// Parses a duration: a number of seconds, or a number with s, m or h ("90s", "2m", "1.5h").
std::optional<double> parse_duration(std::string_view text);

}  // namespace anneal::graph
