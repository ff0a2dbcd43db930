// Checks across the entries of an Annealfile: names that refer to other entries, cycles,
// duplicates; and each target's config digest input.
#include "graph/annealfile_checks.h"

#include "git/scope.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "graph/annealfile_yaml.h"

namespace anneal::graph {

namespace {

std::string known_list(const std::vector<std::string>& names) {
  return fmt::format("{}", fmt::join(names, ", "));
}

/// Where the `index`-th name of a `needs:` (a single string or a list) is written.
YamlPath needs_item(const YAML::Node& root, YamlPath needs, size_t index) {
  if (node_at(root, needs).IsSequence())
    needs.emplace_back(index);
  return needs;
}

/// A directed graph over names, in file order, for finding cycles.
struct Graph {
  std::vector<std::string> nodes;
  std::map<std::string, std::vector<std::string>> edges;  ///< node -> what it needs
};

/// The first cycle found by a depth-first search in file order, as "a -> b -> a", and the
/// edge that closes it; empty when there is none.
struct Cycle {
  std::vector<std::string> names;
  std::string from;  ///< the cycle's closing edge: `from` needs `to`
  size_t edge_index = 0;
};

std::optional<Cycle> find_cycle(const Graph& graph) {
  enum class Mark { None, Active, Done };
  std::map<std::string, Mark> marks;
  std::vector<std::string> stack;
  std::optional<Cycle> found;
  std::function<void(const std::string&)> visit = [&](const std::string& node) {
    marks[node] = Mark::Active;
    stack.push_back(node);
    const auto& needs = graph.edges.at(node);
    for (size_t i = 0; i < needs.size() && !found; ++i) {
      const std::string& next = needs[i];
      if (!graph.edges.contains(next))
        continue;  // unknown names are reported on their own
      if (marks[next] == Mark::Active) {
        Cycle cycle{{}, node, i};
        cycle.names.assign(std::find(stack.begin(), stack.end(), next), stack.end());
        cycle.names.push_back(next);
        found = std::move(cycle);
      } else if (marks[next] == Mark::None) {
        visit(next);
      }
    }
    stack.pop_back();
    marks[node] = Mark::Done;
  };
  for (const std::string& node : graph.nodes)
    if (!found && marks[node] == Mark::None)
      visit(node);
  return found;
}

class Checker {
 public:
  Checker(const YAML::Node& root, Annealfile& file) : m_root(root), m_file(file) {}

  std::vector<Diagnostic> run() {
    for (const auto& [name, agent] : m_file.agents)
      m_agent_names.push_back(name);
    for (const Target& target : m_file.targets)
      m_target_names.push_back(target.name);
    for (Target& target : m_file.targets) {
      YamlPath path{"targets", target.name};
      resolve_agent(target, path);
      check_judge(target, path);
      if (target.taxonomy)
        resolve_side_agent(target.taxonomy->agent, target, path, "taxonomy");
      if (target.policy)
        resolve_side_agent(target.policy->agent, target, path, "policy");
      check_knowledge(target, path);
      check_names(target, path);
      check_stage_needs(target, path);
      check_metric(target, path);
      check_editable(target, path);
      check_target_needs(target, path);
      fill_config(target, path);
    }
    check_target_cycles();
    return std::move(m_errors);
  }

 private:
  void error(const YamlPath& path, std::string message, bool key = false) {
    m_errors.push_back({locate(m_root, path, key), std::move(message)});
  }

  std::string unknown_agent(const std::string& name) const {
    if (m_agent_names.empty())
      return fmt::format("unknown agent '{}' (no agents are defined under 'agents:')", name);
    return fmt::format("unknown agent '{}' (known: {})", name, known_list(m_agent_names));
  }

  void resolve_agent(Target& target, const YamlPath& path) {
    YamlPath agent_path = path;
    agent_path.emplace_back("agent");
    if (node_at(m_root, agent_path).IsScalar()) {
      auto it = m_file.agents.find(target.agent.name);
      if (it == m_file.agents.end()) {
        error(agent_path, unknown_agent(target.agent.name));
        return;
      }
      target.agent = it->second;
    }
    if (target.agent.kind == AgentKind::Tune && target.agent.params.empty())
      error(agent_path,
            fmt::format("the tune agent of target '{}' has no params: list the numbers it may "
                        "change, e.g. agent: {{kind: tune, params: [{{file: cfg.ini, pattern: "
                        "\"threads = ([0-9]+)\", min: 1, max: 64}}]}}",
                        target.name));
  }

  /// Resolves a judge's (or its generator's) agent written by name; it must be an api agent.
  void resolve_api_agent(Agent& agent, const Target& target, const YamlPath& agent_path, std::string_view role) {
    if (node_at(m_root, agent_path).IsScalar()) {
      auto it = m_file.agents.find(agent.name);
      if (it == m_file.agents.end()) {
        error(agent_path, unknown_agent(agent.name));
        return;
      }
      agent = it->second;
    }
    if (agent.kind != AgentKind::Api)
      error(agent_path, fmt::format("the {} of target '{}' needs an api agent; '{}' is a {} agent", role,
                                    target.name, agent.name, agent.config.value("kind", "")));
  }

  void check_judge(Target& target, const YamlPath& path) {
    if (!target.judge)
      return;
    Judge& judge = *target.judge;
    YamlPath judge_path = path;
    judge_path.emplace_back("judge");
    YamlPath agent_path = judge_path;
    agent_path.emplace_back("agent");
    resolve_api_agent(judge.agent, target, agent_path, "judge");
    if (judge.generate && judge.generate->agent) {
      YamlPath generate_path = judge_path;
      generate_path.insert(generate_path.end(), {std::string("generate"), std::string("agent")});
      resolve_api_agent(*judge.generate->agent, target, generate_path, "judge's generate");
    }
    std::map<std::string, int> first_line;
    for (size_t i = 0; i < judge.criteria.size(); ++i) {
      const Criterion& c = judge.criteria[i];
      if (c.name.empty())
        continue;
      auto [seen, inserted] = first_line.emplace(c.name, c.loc.line);
      if (!inserted) {
        YamlPath name_path = judge_path;
        name_path.insert(name_path.end(), {std::string("criteria"), i, std::string("name")});
        error(name_path, fmt::format("duplicate criterion name '{}' in the judge of target '{}' (first on line {})",
                                     c.name, target.name, seen->second));
      }
    }
  }

  /// Resolves the api agent of the target's `key:` (taxonomy, policy): a call it makes itself.
  void resolve_side_agent(Agent& agent, const Target& target, const YamlPath& path, const char* key) {
    YamlPath agent_path = path;
    agent_path.insert(agent_path.end(), {std::string(key), std::string("agent")});
    resolve_api_agent(agent, target, agent_path, key);
  }

  /// `knowledge: {retrieval: embeddings, agent: NAME}`: an OpenAI-compatible api agent.
  void check_knowledge(Target& target, const YamlPath& path) {
    KnowledgeSettings& k = target.knowledge;
    YamlPath knowledge = path;
    knowledge.emplace_back("knowledge");
    YamlPath agent_path = knowledge;
    agent_path.emplace_back("agent");
    if (k.embeddings && !k.agent) {
      YamlPath retrieval = knowledge;
      retrieval.emplace_back("retrieval");
      error(retrieval, fmt::format("retrieval: embeddings in target '{}' needs `agent:` in knowledge: the api "
                                   "agent whose OpenAI-compatible endpoint embeds (e.g. agent: embedder)",
                                   target.name));
      return;
    }
    if (!k.agent)
      return;
    if (!k.embeddings) {
      error(agent_path, fmt::format("knowledge.agent of target '{}' is used only with retrieval: embeddings",
                                    target.name));
      return;
    }
    resolve_api_agent(*k.agent, target, agent_path, "embedding retrieval");
    if (k.agent->kind == AgentKind::Api && k.agent->api.provider == "anthropic")
      error(agent_path, fmt::format("agent '{}' is an anthropic agent, and Anthropic serves no embeddings: name "
                                    "an OpenAI-compatible one (provider: openai; base_url for Ollama, vLLM or "
                                    "llama.cpp's server)",
                                    k.agent->name));
  }

  void check_names(const Target& target, const YamlPath& path) {
    for (const char* list : {"stages", "verify"}) {
      std::map<std::string, int> first_line;
      YamlPath list_path = path;
      list_path.emplace_back(list);
      const size_t count =
          std::string(list) == "stages" ? target.stages.size() : target.verify.size();
      for (size_t i = 0; i < count; ++i) {
        const std::string& name =
            std::string(list) == "stages" ? target.stages[i].name : target.verify[i].name;
        YamlPath name_path = list_path;
        name_path.insert(name_path.end(), {i, std::string("name")});
        auto [seen, inserted] = first_line.emplace(name, locate(m_root, name_path).line);
        if (!inserted)
          error(name_path, fmt::format("duplicate {} name '{}' in target '{}' (first on line {})",
                                       std::string(list) == "stages" ? "stage" : "gate", name,
                                       target.name, seen->second));
      }
    }
  }

  void check_stage_needs(const Target& target, const YamlPath& path) {
    Graph graph;
    std::vector<std::string> stage_names;
    for (const Stage& stage : target.stages)
      stage_names.push_back(stage.name);
    for (size_t i = 0; i < target.stages.size(); ++i) {
      const Stage& stage = target.stages[i];
      YamlPath needs_path = path;
      needs_path.insert(needs_path.end(), {std::string("stages"), i, std::string("needs")});
      std::vector<std::string> needs;
      if (stage.needs)
        needs = *stage.needs;
      else if (i > 0)
        needs = {target.stages[i - 1].name};
      for (size_t n = 0; stage.needs && n < needs.size(); ++n)
        if (std::find(stage_names.begin(), stage_names.end(), needs[n]) == stage_names.end())
          error(needs_item(m_root, needs_path, n),
                fmt::format("unknown stage '{}' in needs of stage '{}' (known: {})", needs[n],
                            stage.name, known_list(stage_names)));
      if (!graph.edges.contains(stage.name)) {
        graph.nodes.push_back(stage.name);
        graph.edges[stage.name] = needs;
      }
    }
    if (auto cycle = find_cycle(graph)) {
      // Point at the explicit `needs:` of a stage on the cycle (an implicit edge has none).
      YamlPath at = path;
      for (size_t i = 0; i < target.stages.size(); ++i)
        if (target.stages[i].needs && std::find(cycle->names.begin(), cycle->names.end(),
                                                target.stages[i].name) != cycle->names.end()) {
          at.insert(at.end(), {std::string("stages"), i, std::string("needs")});
          break;
        }
      error(at, fmt::format("stages of target '{}' form a cycle: {}", target.name,
                            fmt::join(cycle->names, " -> ")));
    }
  }

  /// The metrics a target can be scored on: its stages, and with a judge its score and criteria.
  std::vector<std::string> known_metrics(const Target& target) {
    std::vector<std::string> known;
    for (const Stage& stage : target.stages)
      if (std::find(known.begin(), known.end(), stage.name) == known.end())
        known.push_back(stage.name);
    if (target.judge) {
      known.push_back("judge");
      for (size_t i = 0; i < target.judge->criteria.size(); ++i)
        known.push_back(target.judge->criteria[i].name.empty() ? fmt::format("judge.{}", i + 1)
                                                               : "judge." + target.judge->criteria[i].name);
    }
    return known;
  }

  void check_one_metric(const Target& target, const std::string& metric, const YamlPath& metric_path) {
    if (target.judge && target.judge->criterion_of(metric))
      return;
    std::vector<std::string> known = known_metrics(target);
    if (std::find(known.begin(), known.end(), metric) != known.end())
      return;
    if (known.empty())
      error(metric_path, fmt::format("unknown metric '{}': target '{}' has no stages or judge to "
                                     "measure it",
                                     metric, target.name));
    else
      error(metric_path, fmt::format("unknown metric '{}' in target '{}' (known: {})", metric,
                                     target.name, known_list(known)));
  }

  void check_metric(Target& target, const YamlPath& path) {
    YamlPath objective_path = path;
    objective_path.emplace_back(std::string("objective"));
    bool list = target.objectives.size() > 1;
    for (size_t i = 0; i < target.objectives.size(); ++i) {
      YamlPath metric_path = objective_path;
      if (list)
        metric_path.emplace_back(i);
      metric_path.emplace_back(std::string("metric"));
      check_one_metric(target, target.objectives[i].metric, metric_path);
    }
    check_search(target, path, list);
  }

  void check_search(const Target& target, const YamlPath& path, bool list) {
    YamlPath search_path = path;
    search_path.emplace_back(std::string("search"));
    YamlPath strategy_path = search_path;
    strategy_path.emplace_back(std::string("strategy"));
    const Search& search = target.search;
    if (search.strategy == "pareto" && target.objectives.size() < 2)
      error(strategy_path, fmt::format("target '{}': strategy pareto trades objectives off: give "
                                       "'objective' a list of at least two",
                                       target.name));
    for (size_t i = 0; i < search.archive.size(); ++i) {
      YamlPath at = search_path;
      at.insert(at.end(), {std::string("archive"), std::string("descriptors"), i});
      YamlPath metric_at = at;
      metric_at.emplace_back(std::string("metric"));
      check_one_metric(target, search.archive[i].metric, metric_at);
      if (!(search.archive[i].max > search.archive[i].min))
        error(at, fmt::format("archive descriptor '{}': max must be greater than min", search.archive[i].metric));
    }
    bool archive = !search.archive.empty() || target.judge.has_value();
    bool uses_archive = search.strategy == "elites" ||
                        std::find(search.arms.begin(), search.arms.end(), "elites") != search.arms.end();
    if (uses_archive && !archive)
      error(strategy_path, fmt::format("target '{}': the elites archive needs behaviour axes: give "
                                       "search.archive.descriptors (or a judge, whose criteria are the axes)",
                                       target.name));
    if (!list && std::find(search.arms.begin(), search.arms.end(), "pareto") != search.arms.end())
      error(search_path, fmt::format("target '{}': auto's arm pareto needs a list objective", target.name));
    if (search.surrogate && target.drafts < 2)
      error(search_path, fmt::format("target '{}': search.surrogate ranks drafts: it needs drafts of 2 or more",
                                     target.name));
  }

  void check_editable(const Target& target, const YamlPath& path) {
    if (target.scope.editable.empty())
      error(path,
            fmt::format("target '{}' lets the agent change nothing: give it an 'artifact' or "
                        "'scope.editable'",
                        target.name),
            true);
    // Every change to an artifact that is also immutable would be blocked.
    YamlPath artifact_path = path;
    artifact_path.emplace_back("artifact");
    for (const auto& file : target.artifact)
      for (const auto& glob : target.scope.immutable)
        if (git::glob_match(glob, file)) {
          error(artifact_path, fmt::format("artifact '{}' of target '{}' is also immutable (scope.immutable "
                                           "'{}'), so every change to it would be blocked",
                                           file, target.name, glob));
          break;
        }
    for (const auto& file : target.artifact)
      for (const auto& glob : target.scope.hidden)
        if (git::glob_match(glob, file)) {
          error(artifact_path, fmt::format("artifact '{}' of target '{}' is also hidden (scope.hidden '{}'): "
                                           "the agent cannot improve a file it cannot read",
                                           file, target.name, glob));
          break;
        }
    for (const auto& glob : target.scope.hidden)
      if (!target.instructions.empty() && git::glob_match(glob, target.instructions)) {
        YamlPath instructions_path = path;
        instructions_path.emplace_back("instructions");
        error(instructions_path, fmt::format("the instructions '{}' of target '{}' are hidden (scope.hidden "
                                             "'{}'), so they would be shown to the agent that must not read them",
                                             target.instructions, target.name, glob));
      }
  }

  void check_target_needs(const Target& target, const YamlPath& path) {
    YamlPath needs_path = path;
    needs_path.emplace_back("needs");
    for (size_t n = 0; n < target.needs.size(); ++n)
      if (!m_file.find_target(target.needs[n]))
        error(needs_item(m_root, needs_path, n),
              fmt::format("unknown target '{}' in needs of target '{}' (known: {})",
                          target.needs[n], target.name, known_list(m_target_names)));
  }

  void check_target_cycles() {
    Graph graph;
    for (const Target& target : m_file.targets) {
      graph.nodes.push_back(target.name);
      graph.edges[target.name] = target.needs;
    }
    if (auto cycle = find_cycle(graph))
      error(needs_item(m_root, {"targets", cycle->from, "needs"}, cycle->edge_index),
            fmt::format("targets form a cycle: {}", fmt::join(cycle->names, " -> ")));
  }

  void fill_config(Target& target, const YamlPath& path) {
    nlohmann::json config = yaml_to_json(node_at(m_root, path));
    config["agent"] = target.agent.config;
    // A scope file's globs count as if written here: editing scope.yaml starts a new run.
    if (auto scope = config.find("scope"); scope != config.end() && scope->is_string())
      *scope = {{"file", *scope}, {"editable", target.scope.editable}, {"immutable", target.scope.immutable},
                {"hidden", target.scope.hidden}};
    // Who is told about results does not change them (and a webhook's URL may hold a token).
    config.erase("notify");
    // Nor where a new best is deployed afterwards.
    config.erase("deploy");
    // Where a command runs is not what it computes: the same results locally and on Slurm.
    auto erase_placement = [](nlohmann::json& command) {
      if (command.is_object()) {
        command.erase("executor");
        command.erase("resources");
      }
    };
    erase_placement(config["agent"]);
    for (const char* list : {"verify", "stages"})
      if (auto it = config.find(list); it != config.end() && it->is_array())
        for (auto& command : *it)
          erase_placement(command);
    if (target.judge) {
      // Named agents are copied in, so editing one changes the digest of every target using it.
      nlohmann::json& judge = config["judge"];
      judge["agent"] = target.judge->agent.config;
      if (target.judge->generate && target.judge->generate->agent)
        judge["generate"]["agent"] = target.judge->generate->agent->config;
    }
    if (target.policy)  // the policy's text reaches every prompt: its writer is part of the digest
      config["policy"]["agent"] = target.policy->agent.config;
    if (auto knowledge = config.find("knowledge"); knowledge != config.end() && knowledge->is_object()) {
      // One name for the penalty, and the embedding agent copied in, as the judge's is.
      if (auto old = knowledge->find("cross_domain_penalty"); old != knowledge->end()) {
        (*knowledge)["domain_penalty"] = *old;
        knowledge->erase("cross_domain_penalty");
      }
      if (target.knowledge.agent)
        (*knowledge)["agent"] = target.knowledge.agent->config;
    }
    // Classifying failures names them; it changes no candidate's result.
    config.erase("taxonomy");
    if (auto budget = config.find("budget"); budget != config.end() && budget->is_object()) {
      budget->erase("experiments");
      if (budget->empty())
        config.erase(budget);
    }
    target.config = std::move(config);
  }

  const YAML::Node& m_root;
  Annealfile& m_file;
  std::vector<std::string> m_agent_names;
  std::vector<std::string> m_target_names;
  std::vector<Diagnostic> m_errors;
};

}  // namespace

std::vector<Diagnostic> check_annealfile(const YAML::Node& root, Annealfile& file) {
  return Checker(root, file).run();
}

}  // namespace anneal::graph
