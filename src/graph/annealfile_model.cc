// Building the Annealfile model from a tree that passed the schema.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <re2/re2.h>

#include "cache/cache_gc.h"
#include "graph/annealfile_checks.h"
#include "graph/annealfile_yaml.h"
#include "graph/deploy_tiers.h"
#include "graph/notify_rules.h"
#include "graph/scope_file.h"
#include "nodes/tune_pattern.h"

namespace anneal::graph {

std::optional<double> parse_duration(std::string_view text) {
  double scale = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 's': scale = 1; break;
      case 'm': scale = 60; break;
      case 'h': scale = 3600; break;
      default: scale = 0; break;
    }
    if (scale != 0)
      text.remove_suffix(1);
    else
      scale = 1;
  }
  // from_chars would also take "-1", "inf" and "nan"; a duration starts with a digit or '.'.
  if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '.'))
    return std::nullopt;
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return std::nullopt;
  return value * scale;
}

std::optional<size_t> Judge::criterion_of(std::string_view metric) const {
  if (!metric.starts_with("judge."))
    return std::nullopt;
  std::string_view which = metric.substr(6);
  for (size_t i = 0; i < criteria.size(); ++i)
    if (!criteria[i].name.empty() && criteria[i].name == which)
      return i;
  size_t number = 0;
  auto [end, error] = std::from_chars(which.data(), which.data() + which.size(), number);
  if (error == std::errc() && end == which.data() + which.size() && number >= 1 && number <= criteria.size())
    return number - 1;
  return std::nullopt;
}

const Target* Annealfile::find_target(std::string_view name) const {
  for (const Target& target : targets)
    if (target.name == name)
      return &target;
  return nullptr;
}

namespace {

YamlPath operator/(YamlPath path, PathStep step) {
  path.push_back(std::move(step));
  return path;
}

std::optional<Condition> parse_condition(std::string_view text) {
  // RE2, like every expression anneal runs on what a user wrote: linear time, no recursion.
  static const RE2 k_condition(R"(\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*)");
  std::string op;
  std::string number;
  if (!RE2::FullMatch(re2::StringPiece(text.data(), text.size()), k_condition, &op, &number))
    return std::nullopt;
  static const std::map<std::string, Condition::Op, std::less<>> k_ops = {
      {"<", Condition::Op::Less},    {"<=", Condition::Op::LessEqual},
      {">", Condition::Op::Greater}, {">=", Condition::Op::GreaterEqual},
      {"==", Condition::Op::Equal},  {"!=", Condition::Op::NotEqual}};
  Condition condition;
  condition.op = k_ops.at(op);
  const char* begin = number.data() + (number[0] == '+' ? 1 : 0);
  auto [end, error] = std::from_chars(begin, number.data() + number.size(), condition.value);
  if (error != std::errc() || end != number.data() + number.size() ||
      !std::isfinite(condition.value))
    return std::nullopt;
  condition.text = std::string(text);
  return condition;
}

/// Why `name` cannot be part of a git ref, or empty when it can.
std::string ref_name_problem(const std::string& name) {
  static const RE2 k_name("[A-Za-z0-9][A-Za-z0-9._-]*");
  if (!RE2::FullMatch(name, k_name))
    return "start with a letter or digit, then use only letters, digits, '.', '_' and '-'";
  if (name.find("..") != std::string::npos)
    return "it contains '..'";
  if (name.ends_with(".lock"))
    return "it ends in '.lock'";
  if (name.ends_with('.'))
    return "it ends in '.'";
  return {};
}

/// Reads typed values out of a schema-valid tree, collecting what is still wrong.
class Reader {
 public:
  explicit Reader(const YAML::Node& root) : m_root(root) {}

  std::vector<Diagnostic> take_errors() { return std::move(m_errors); }
  std::vector<Diagnostic>& errors() { return m_errors; }
  void error(const YamlPath& path, std::string message, bool key = false) {
    m_errors.push_back({locate(m_root, path, key), std::move(message)});
  }

  YAML::Node get(const YamlPath& path) const { return node_at(m_root, path); }
  bool has(const YamlPath& path) const {
    YAML::Node node = get(path);
    return node.IsDefined() && !node.IsNull();
  }
  std::string text(const YamlPath& path, std::string fallback = {}) const {
    YAML::Node node = get(path);
    return node.IsDefined() && node.IsScalar() ? node.Scalar() : fallback;
  }
  double number(const YamlPath& path, double fallback) const {
    return has(path) ? std::strtod(text(path).c_str(), nullptr) : fallback;
  }
  int integer(const YamlPath& path, int fallback) const {
    if (!has(path))
      return fallback;
    long long value = std::strtoll(text(path).c_str(), nullptr, 10);
    return static_cast<int>(std::clamp<long long>(value, std::numeric_limits<int>::min(),
                                                  std::numeric_limits<int>::max()));
  }
  bool boolean(const YamlPath& path, bool fallback) const {
    return has(path) ? yaml_to_json(get(path)).get<bool>() : fallback;
  }
  /// A string or a list of strings, as a list.
  std::vector<std::string> strings(const YamlPath& path) const {
    std::vector<std::string> out;
    YAML::Node node = get(path);
    if (node.IsScalar())
      out.push_back(node.Scalar());
    else if (node.IsSequence())
      for (const YAML::Node& item : node)
        out.push_back(item.Scalar());
    return out;
  }
  /// Seconds; 0 (no timeout) when absent.
  double duration(const YamlPath& path) {
    if (!has(path))
      return 0;
    std::string written = text(path);
    if (auto seconds = parse_duration(written))
      return *seconds;
    std::string field = std::get<std::string>(path.back());
    error(path, fmt::format("invalid duration '{}' for '{}': write seconds, or a number with s, "
                            "m or h (90, 90s, 2m, 1.5h)",
                            written, field));
    return 0;
  }
  /// The keys of the mapping at `path`, in file order.
  std::vector<std::string> keys(const YamlPath& path) const {
    std::vector<std::string> out;
    YAML::Node node = get(path);
    if (node.IsMap())
      for (auto it = node.begin(); it != node.end(); ++it)
        if (std::find(out.begin(), out.end(), it->first.Scalar()) == out.end())
          out.push_back(it->first.Scalar());
    return out;
  }
  size_t size(const YamlPath& path) const {
    YAML::Node node = get(path);
    return node.IsSequence() ? node.size() : 0;
  }

 private:
  const YAML::Node& m_root;
  std::vector<Diagnostic> m_errors;
};

TuneParam read_tune_param(Reader& in, const YamlPath& path) {
  TuneParam param;
  param.file = in.text(path / "file");
  param.pattern = in.text(path / "pattern");
  param.min = in.number(path / "min", 0);
  param.max = in.number(path / "max", 0);
  param.integer = in.boolean(path / "integer", false);
  param.loc = locate(in.get({}), path);
  param.file_loc = locate(in.get({}), path / "file");
  param.pattern_loc = locate(in.get({}), path / "pattern");
  std::filesystem::path file(param.file);
  if (file.empty() || file.is_absolute() ||
      std::any_of(file.begin(), file.end(), [](const auto& part) { return part == ".."; }))
    in.error(path / "file", fmt::format("tune param file '{}' must be a relative path inside the "
                                        "repository, without '..'",
                                        param.file));
  if (auto pattern = nodes::TunePattern::compile(param.pattern); !pattern)
    in.error(path / "pattern", fmt::format("tune pattern '{}' ({}) {}", param.pattern,
                                           param.file, pattern.error().message));
  if (!(param.min < param.max))
    in.error(path / "min",
             fmt::format("tune param min ({}) must be less than max ({})", param.min, param.max));
  return param;
}

/// `sandbox`, `network`, `writable` and `pass_env` of the agent or command at `path`.
Containment read_containment(Reader& in, const YamlPath& path) {
  Containment c;
  std::string mode = in.text(path / "sandbox", "auto");
  c.sandbox = mode == "on" ? Containment::Sandbox::On : mode == "off" ? Containment::Sandbox::Off
                                                                      : Containment::Sandbox::Auto;
  if (in.has(path / "sandbox"))
    c.sandbox_loc = locate(in.get({}), path / "sandbox");
  c.network = in.boolean(path / "network", true);
  c.writable = in.strings(path / "writable");
  for (size_t i = 0; i < c.writable.size(); ++i) {
    const std::string& p = c.writable[i];
    bool home = p == "~" || p.starts_with("~/");
    if (!home && !std::filesystem::path(p).is_absolute())
      in.error(in.get(path / "writable").IsSequence() ? path / "writable" / i : path / "writable",
               fmt::format("writable path '{}' must be absolute or start with '~/' (the worktree is "
                           "writable already)",
                           p));
  }
  c.pass_env = in.strings(path / "pass_env");
  auto variable_name = [](const std::string& name) {
    return !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
           std::all_of(name.begin(), name.end(), [](char ch) {
             return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
           });
  };
  for (size_t i = 0; i < c.pass_env.size(); ++i)
    if (!variable_name(c.pass_env[i]))
      in.error(in.get(path / "pass_env").IsSequence() ? path / "pass_env" / i : path / "pass_env",
               fmt::format("pass_env '{}' is not an environment variable name (letters, digits and "
                           "'_', not starting with a digit)",
                           c.pass_env[i]));
  return c;
}

/// `executor:` at `path` (`local`, `slurm` or a mapping), or nullopt when not written.
std::optional<Executor> read_executor(Reader& in, const YamlPath& path) {
  if (!in.has(path))
    return std::nullopt;
  Executor executor;
  executor.loc = locate(in.get({}), path);
  bool mapping = in.get(path).IsMap();
  std::string kind = mapping ? in.text(path / "kind") : in.text(path);
  executor.kind = kind == "slurm" ? Executor::Kind::Slurm : Executor::Kind::Local;
  if (mapping) {
    executor.partition = in.text(path / "partition");
    executor.options = in.strings(path / "options");
    executor.jobs = in.integer(path / "jobs", 0);
  }
  return executor;
}

Resources read_resources(Reader& in, const YamlPath& path) {
  Resources r;
  r.cpus = in.integer(path / "cpus", 0);
  r.memory = in.text(path / "memory");
  r.gpus = in.text(path / "gpus");
  r.time_s = in.duration(path / "time");
  return r;
}

Agent read_agent(Reader& in, const YamlPath& path, std::string name) {
  Agent agent;
  agent.name = std::move(name);
  agent.config = yaml_to_json(in.get(path));
  agent.loc = locate(in.get({}), path);
  std::string kind = in.text(path / "kind");
  agent.kind = kind == "api"    ? AgentKind::Api
               : kind == "tune" ? AgentKind::Tune
                                : AgentKind::Command;
  agent.run = in.text(path / "run");
  agent.run_loc = locate(in.get({}), path / "run");
  agent.timeout_s = in.duration(path / "timeout");
  agent.cost_field = in.text(path / "cost_field");
  if (agent.kind == AgentKind::Command) {
    agent.containment = read_containment(in, path);
    agent.executor = read_executor(in, path / "executor");
    agent.resources = read_resources(in, path / "resources");
  }
  if (agent.kind == AgentKind::Api) {
    ApiSettings& api = agent.api;
    api.provider = in.text(path / "provider");
    api.model = in.text(path / "model");
    api.base_url = in.text(path / "base_url");
    api.api_key_env = in.text(path / "api_key_env");
    if (in.has(path / "temperature"))
      api.temperature = in.number(path / "temperature", 1);
    api.temperature_loc = locate(in.get({}), path / "temperature");
    if (in.has(path / "temperature_supported"))
      api.temperature_supported = in.boolean(path / "temperature_supported", true);
    api.temperature_spread = in.number(path / "temperature_spread", api.temperature_spread);
    api.max_tokens = in.integer(path / "max_tokens", api.max_tokens);
    api.max_context_tokens = in.integer(path / "max_context_tokens", api.max_context_tokens);
    if (in.has(path / "seed"))
      api.seed = in.integer(path / "seed", 0);
    api.max_concurrent = in.integer(path / "max_concurrent", api.max_concurrent);
    api.retries = in.integer(path / "retries", api.retries);
    api.whole_file_max_bytes = in.integer(path / "whole_file_max_bytes", api.whole_file_max_bytes);
    if (in.has(path / "pricing"))
      api.pricing = ApiSettings::Pricing{in.number(path / "pricing" / "input", 0),
                                         in.number(path / "pricing" / "output", 0)};
    if (agent.timeout_s == 0)
      agent.timeout_s = 600;
  }
  for (size_t i = 0; i < in.size(path / "params"); ++i)
    agent.params.push_back(read_tune_param(in, path / "params" / i));
  return agent;
}

/// A condition written at `path`, or an error there.
std::optional<Condition> read_condition(Reader& in, const YamlPath& path) {
  if (!in.has(path))
    return std::nullopt;
  std::string written = in.text(path);
  auto condition = parse_condition(written);
  if (!condition)
    in.error(path, fmt::format("invalid keep_if '{}': write an operator (<, <=, >, >=, ==, !=) and a "
                               "number, e.g. \"< 50\"",
                               written));
  return condition;
}

Stage read_stage(Reader& in, const YamlPath& path) {
  Stage stage;
  stage.name = in.text(path / "name");
  stage.run = in.text(path / "run");
  stage.parse = in.text(path / "parse");
  stage.repeat = in.integer(path / "repeat", 1);
  stage.exclusive = in.boolean(path / "exclusive", false);
  stage.timeout_s = in.duration(path / "timeout");
  stage.containment = read_containment(in, path);
  stage.loc = locate(in.get({}), path);
  stage.keep_if = read_condition(in, path / "keep_if");
  if (in.has(path / "needs"))
    stage.needs = in.strings(path / "needs");
  stage.executor = read_executor(in, path / "executor");
  stage.resources = read_resources(in, path / "resources");
  return stage;
}

/// An agent written inline at `path`, or (a name) only its name until check_annealfile
/// resolves it.
Agent read_agent_or_name(Reader& in, const YamlPath& path, std::string inline_name) {
  if (in.get(path).IsMap())
    return read_agent(in, path, std::move(inline_name));
  Agent agent;
  agent.name = in.text(path);
  return agent;
}

SampleSet read_sample_set(Reader& in, const YamlPath& path) {
  SampleSet set;
  set.loc = locate(in.get({}), path);
  if (in.get(path).IsSequence())
    set.texts = in.strings(path);
  else
    set.glob = in.text(path);
  return set;
}

Judge read_judge(Reader& in, const YamlPath& path, const std::string& target) {
  Judge judge;
  judge.loc = locate(in.get({}), path);
  judge.agent = read_agent_or_name(in, path / "agent", target + ".judge.agent");
  judge.samples = read_sample_set(in, path / "samples");
  judge.held_out = read_sample_set(in, path / "held_out");
  for (size_t i = 0; i < in.size(path / "criteria"); ++i) {
    YamlPath item = path / "criteria" / i;
    Criterion c;
    c.loc = locate(in.get({}), item);
    if (in.get(item).IsMap()) {
      c.name = in.text(item / "name");
      c.question = in.text(item / "question");
      c.keep_if = read_condition(in, item / "keep_if");
    } else {
      c.question = in.text(item);
    }
    judge.criteria.push_back(std::move(c));
  }
  judge.votes = in.integer(path / "votes", judge.votes);
  judge.method = in.text(path / "method", judge.method);
  YamlPath generate = path / "generate";
  if (in.has(generate)) {
    JudgeGenerate g;
    if (in.get(generate).IsScalar()) {
      g.run = in.text(generate);
    } else if (in.has(generate / "agent")) {
      g.agent = read_agent_or_name(in, generate / "agent", target + ".judge.generate.agent");
    } else {
      g.run = in.text(generate / "run");
      g.timeout_s = in.duration(generate / "timeout");
      g.containment = read_containment(in, generate);
    }
    judge.generate = std::move(g);
  }
  judge.held_out_every = in.integer(path / "held_out_every", judge.held_out_every);
  judge.keep_if = read_condition(in, path / "keep_if");
  YamlPath test = path / "test";
  judge.test.alpha = in.number(test / "alpha", judge.test.alpha);
  judge.test.window = in.integer(test / "window", judge.test.window);
  judge.test.zero_method = in.text(test / "zero_method", judge.test.zero_method);
  judge.test.correction = in.boolean(test / "correction", judge.test.correction);
  judge.test.min_effect = in.number(test / "min_effect", judge.test.min_effect);
  judge.test.sequential = in.boolean(test / "sequential", judge.test.sequential);
  judge.test.batch = in.integer(test / "batch", judge.test.batch);
  judge.test.early_stop = in.text(test / "early_stop", judge.test.early_stop);
  return judge;
}

/// `scope:` inline, or the name of a scope file (the seed's scope.yaml) beside the Annealfile.
Scope read_scope(Reader& in, const YamlPath& path, const std::filesystem::path& folder) {
  if (!in.get(path).IsScalar())
    return {in.strings(path / "editable"), in.strings(path / "immutable"), in.strings(path / "hidden")};
  auto scope = read_scope_file(folder / in.text(path));
  if (!scope)
    in.error(path, scope.error().message);
  return scope.value_or(Scope{});
}

Target read_target(Reader& in, const YamlPath& path, const std::string& name, const std::filesystem::path& folder) {
  Target target;
  target.name = name;
  target.loc = locate(in.get({}), path, true);
  if (std::string problem = ref_name_problem(name); !problem.empty())
    in.error(path,
             fmt::format("target name '{}' cannot be used in git ref names: {}", name, problem),
             true);
  target.needs = in.strings(path / "needs");
  target.artifact = in.strings(path / "artifact");
  target.scope = read_scope(in, path / "scope", folder);
  target.baseline_pinned = in.text(path / "baseline") == "pinned";
  target.inputs = in.strings(path / "inputs");
  for (const std::string& file : target.artifact)
    if (std::find(target.scope.editable.begin(), target.scope.editable.end(), file) ==
        target.scope.editable.end())
      target.scope.editable.push_back(file);

  // A named agent is resolved by check_annealfile; until then only its name is known.
  if (in.get(path / "agent").IsMap())
    target.agent = read_agent(in, path / "agent", name + ".agent");
  else
    target.agent.name = in.text(path / "agent");

  target.instructions = in.text(path / "instructions");
  YamlPath drafts = path / "drafts";
  if (in.has(drafts) && in.get(drafts).IsScalar() && scalar_type(in.get(drafts)) != ScalarType::Integer &&
      in.text(drafts) != "auto")
    in.error(drafts, fmt::format("target '{}': drafts must be a number, auto or {{min, max}}, not '{}'", name,
                                 in.text(drafts)));
  if (in.text(drafts) == "auto" || in.get(drafts).IsMap()) {
    DraftBounds bounds;
    bounds.min = in.integer(drafts / "min", bounds.min);
    bounds.max = in.integer(drafts / "max", std::max(bounds.max, bounds.min));
    if (bounds.min > bounds.max)
      in.error(drafts, fmt::format("target '{}': drafts.min ({}) is more than drafts.max ({})", name, bounds.min,
                                   bounds.max));
    target.drafts_auto = bounds;
    target.drafts = bounds.max;
  } else {
    target.drafts = in.integer(drafts, 1);
  }
  target.restart_probability = in.number(path / "restart_probability", 0);
  YamlPath knowledge = path / "knowledge";
  KnowledgeSettings& k = target.knowledge;
  k.similar = in.integer(knowledge / "similar", k.similar);
  k.recent = in.integer(knowledge / "recent", k.recent);
  k.consolidate_every = in.integer(knowledge / "consolidate_every", k.consolidate_every);
  k.domain = in.text(knowledge / "domain", k.domain);
  k.share = in.boolean(knowledge / "share", k.share);
  k.domain_penalty = in.number(knowledge / "cross_domain_penalty", k.domain_penalty);
  if (in.has(knowledge / "domain_penalty") && in.has(knowledge / "cross_domain_penalty"))
    in.error(knowledge / "cross_domain_penalty",
             "set domain_penalty or its old name cross_domain_penalty, not both", true);
  k.domain_penalty = in.number(knowledge / "domain_penalty", k.domain_penalty);
  k.embeddings = in.text(knowledge / "retrieval") == "embeddings";
  if (in.has(knowledge / "agent"))
    k.agent = read_agent_or_name(in, knowledge / "agent", name + ".knowledge.agent");
  for (size_t i = 0; i < in.size(path / "verify"); ++i) {
    YamlPath gate_path = path / "verify" / i;
    Gate gate;
    gate.name = in.text(gate_path / "name");
    gate.run = in.text(gate_path / "run");
    gate.timeout_s = in.duration(gate_path / "timeout");
    gate.loc = locate(in.get({}), gate_path);
    gate.containment = read_containment(in, gate_path);
    gate.executor = read_executor(in, gate_path / "executor");
    gate.resources = read_resources(in, gate_path / "resources");
    target.verify.push_back(std::move(gate));
  }
  for (size_t i = 0; i < in.size(path / "stages"); ++i)
    target.stages.push_back(read_stage(in, path / "stages" / i));
  if (in.has(path / "judge"))
    target.judge = read_judge(in, path / "judge", name);
  if (in.has(path / "taxonomy"))
    target.taxonomy = Taxonomy{read_agent_or_name(in, path / "taxonomy" / "agent", name + ".taxonomy.agent")};
  if (in.has(path / "policy"))
    target.policy = Policy{read_agent_or_name(in, path / "policy" / "agent", name + ".policy.agent"),
                           in.integer(path / "policy" / "every", 5)};

  YamlPath objective = path / "objective";
  auto read_objective = [&](const YamlPath& at) {
    Objective o;
    o.metric = in.text(at / "metric");
    o.direction = in.text(at / "direction") == "minimize" ? Direction::Minimize : Direction::Maximize;
    o.min_improvement = in.number(at / "min_improvement", 0);
    o.loc = locate(in.get({}), at);
    return o;
  };
  if (in.get(objective).IsSequence())
    for (size_t i = 0; i < in.size(objective); ++i)
      target.objectives.push_back(read_objective(objective / i));
  else
    target.objectives.push_back(read_objective(objective));
  if (!target.objectives.empty())
    target.objective = target.objectives.front();

  YamlPath search = path / "search";
  target.search.strategy = in.text(search / "strategy", "greedy");
  target.search.seed =
      in.has(search / "seed") ? std::strtoull(in.text(search / "seed").c_str(), nullptr, 10) : 0;
  target.search.config = in.has(search) ? yaml_to_json(in.get(search)) : nlohmann::json::object();
  target.search.surrogate = in.boolean(search / "surrogate", false);
  PopulationSettings& population = target.search.population;
  population.size = in.integer(search / "population" / "size", population.size);
  population.tournament = in.integer(search / "population" / "tournament", population.tournament);
  population.islands = in.integer(search / "population" / "islands", population.islands);
  population.migrate_every = in.integer(search / "population" / "migrate_every", population.migrate_every);
  population.crossover = in.number(search / "population" / "crossover", population.crossover);
  target.search.tree.exploration = in.number(search / "tree" / "exploration", target.search.tree.exploration);
  target.search.tree.prune_after = in.integer(search / "tree" / "prune_after", target.search.tree.prune_after);
  for (size_t i = 0; i < in.size(search / "archive" / "descriptors"); ++i) {
    YamlPath at = search / "archive" / "descriptors" / i;
    target.search.archive.push_back(ArchiveDescriptor{in.text(at / "metric"), in.number(at / "min", 0),
                                                      in.number(at / "max", 1), in.integer(at / "bins", 5)});
  }
  target.search.arms = in.strings(search / "auto" / "arms");

  YamlPath budget = path / "budget";
  target.budget.experiments = in.integer(budget / "experiments", 20);
  if (in.has(budget / "usd_per_experiment"))
    target.budget.usd_per_experiment = in.number(budget / "usd_per_experiment", 0);
  if (in.has(budget / "usd_per_day"))
    target.budget.usd_per_day = in.number(budget / "usd_per_day", 0);
  target.budget.max_consecutive_failures = in.integer(budget / "max_consecutive_failures", 5);
  target.notify = read_notify_rules(in.get({}), path / "notify", in.errors());
  target.deploy = read_deploy_tiers(in.get({}), path / "deploy", in.errors());
  return target;
}

}  // namespace

std::vector<Diagnostic> build_annealfile(const YAML::Node& root, Annealfile& out) {
  Reader in(root);
  out.version = in.integer({"annealfile"}, 1);
  if (out.version != 1) {
    // Another version may mean anything; checking the rest against version 1 would mislead.
    in.error({"annealfile"}, fmt::format("unsupported annealfile version {} (this anneal reads "
                                         "version 1)",
                                         in.text({"annealfile"})));
    return in.take_errors();
  }
  for (const std::string& name : in.keys({"agents"}))
    out.agents.emplace(name, read_agent(in, YamlPath{"agents", name}, name));
  for (const std::string& name : in.keys({"targets"}))
    out.targets.push_back(read_target(in, YamlPath{"targets", name}, name, out.path.parent_path()));
  out.executor = read_executor(in, {"executor"});
  out.notify = read_notify_rules(root, {"notify"}, in.errors());
  out.cache.remote = in.text({"cache", "remote"});
  out.cache.read_only = in.boolean({"cache", "read_only"}, false);
  out.cache.token_env = in.text({"cache", "token_env"});
  auto size = [&in](const YamlPath& path, uint64_t least, uint64_t& into) {
    if (!in.has(path))
      return;
    std::string written = in.text(path);
    auto bytes = cache::parse_size(written);
    if (!bytes || *bytes < least)
      in.error(path, fmt::format("invalid size '{}' for '{}': write bytes{}, or a number with k, M, G (powers of "
                                 "1000) or Ki, Mi, Gi (powers of 1024): 64Mi, 1G",
                                 written, std::get<std::string>(path.back()),
                                 least > 0 ? fmt::format(" (at least {})", least) : ""));
    else
      into = *bytes;
  };
  size({"cache", "max_entry_size"}, 1024, out.cache.max_entry_size);
  size({"safety", "min_free_disk"}, 0, out.safety.min_free_disk);
  return in.take_errors();
}

}  // namespace anneal::graph
