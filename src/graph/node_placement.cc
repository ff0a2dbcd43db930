#include "graph/node_placement.h"

#include <cmath>

#include <fmt/format.h>

namespace anneal::graph {

namespace {

/// The command of `target` a node runs, with what placing it needs.
struct Command {
  const std::optional<Executor>* executor = nullptr;
  const Resources* resources = nullptr;
  double time_s = 0;  ///< the longest anneal lets the node's commands run; 0: no limit
  bool exclusive = false;
};

std::optional<Command> command_of(const Target& target, const nlohmann::json& spec) {
  std::string kind = spec.value("kind", "");
  std::string name = spec.value("name", "");
  if (kind == "mutate" && target.agent.kind == AgentKind::Command)
    return Command{&target.agent.executor, &target.agent.resources, target.agent.timeout_s, false};
  if (kind == "verify")
    for (const Gate& gate : target.verify)
      if (gate.name == name)
        return Command{&gate.executor, &gate.resources, gate.timeout_s, false};
  if (kind == "stage")
    for (const Stage& stage : target.stages)
      if (stage.name == name) {
        // Each repeat runs `run` and then `parse`, each under the stage's timeout.
        double per_run = stage.timeout_s * (stage.parse.empty() ? 1 : 2);
        return Command{&stage.executor, &stage.resources, per_run * stage.repeat, stage.exclusive};
      }
  return std::nullopt;
}

}  // namespace

int slurm_minutes(double seconds) { return std::max(1, static_cast<int>(std::ceil(seconds / 60))); }

std::string slurm_job_name(const PlannedNode& node) {
  // Descriptions read "<kind> [<name>] <target>#<experiment>.<draft>[ …]".
  const nlohmann::json& spec = node.spec.json;
  std::string where;
  for (size_t pos = 0; pos < node.description.size();) {
    size_t end = std::min(node.description.find(' ', pos), node.description.size());
    std::string word = node.description.substr(pos, end - pos);
    if (word.find('#') != std::string::npos) {
      where = word;
      break;
    }
    pos = end + 1;
  }
  std::string experiment = where, draft;
  if (size_t dot = where.rfind('.'); dot != std::string::npos && dot > where.find('#')) {
    experiment = where.substr(0, dot);
    draft = where.substr(dot + 1);
  }
  if (experiment.empty())
    experiment = spec.value("target", "");
  std::string what = spec.value("kind", "") == "mutate" ? "agent" : spec.value("name", spec.value("kind", "node"));
  return fmt::format("anneal:{}:{}{}{}", experiment, what, draft.empty() ? "" : ".", draft);
}

NodePlacement place_node(const Annealfile& file, const PlannedNode& node, ExecutorOverride override) {
  NodePlacement placement;
  if (override == ExecutorOverride::Local)
    return placement;
  const Target* target = file.find_target(node.spec.json.value("target", ""));
  if (!target)
    return placement;
  auto command = command_of(*target, node.spec.json);
  if (!command)
    return placement;  // LLM calls, judges, api and tune agents: on this machine
  const std::optional<Executor>& own = *command->executor;
  const std::optional<Executor>& chosen = own ? own : file.executor;
  bool slurm = override == ExecutorOverride::Slurm || (chosen && chosen->kind == Executor::Kind::Slurm);
  if (!slurm)
    return placement;
  // Under --executor slurm a command that says `local` still gets the partition and options
  // of the Annealfile's slurm executor, if it has one.
  Executor settings;
  if (chosen && chosen->kind == Executor::Kind::Slurm)
    settings = *chosen;
  else if (file.executor && file.executor->kind == Executor::Kind::Slurm)
    settings = *file.executor;
  placement.slurm = true;
  std::vector<std::string>& args = placement.srun_args;
  args.push_back("--job-name=" + slurm_job_name(node));
  if (!settings.partition.empty())
    args.push_back("--partition=" + settings.partition);
  const Resources& r = *command->resources;
  if (r.cpus > 0)
    args.push_back(fmt::format("--cpus-per-task={}", r.cpus));
  if (!r.memory.empty())
    args.push_back("--mem=" + r.memory);
  if (!r.gpus.empty())
    args.push_back("--gpus=" + r.gpus);
  // anneal's own limit ends the command first (a timeout it records as such); Slurm's is
  // the backstop a minute later, for the node as a whole.
  if (r.time_s > 0)
    args.push_back(fmt::format("--time={}", slurm_minutes(r.time_s)));
  else if (command->time_s > 0)
    args.push_back(fmt::format("--time={}", slurm_minutes(command->time_s + 60)));
  if (command->exclusive || node.exclusive)
    args.push_back("--exclusive");
  args.insert(args.end(), settings.options.begin(), settings.options.end());
  return placement;
}

std::optional<Executor> build_slurm_executor(const Annealfile& file, ExecutorOverride override) {
  if (override == ExecutorOverride::Local)
    return std::nullopt;
  if (file.executor && file.executor->kind == Executor::Kind::Slurm)
    return file.executor;
  std::optional<Executor> first;
  auto consider = [&](const std::optional<Executor>& e) {
    if (!first && e && e->kind == Executor::Kind::Slurm)
      first = e;
  };
  for (const Target& target : file.targets) {
    if (target.agent.kind == AgentKind::Command)
      consider(target.agent.executor);
    for (const Gate& gate : target.verify)
      consider(gate.executor);
    for (const Stage& stage : target.stages)
      consider(stage.executor);
  }
  if (!first && override == ExecutorOverride::Slurm)
    first = Executor{Executor::Kind::Slurm, "", {}, 0, {}};
  return first;
}

}  // namespace anneal::graph
