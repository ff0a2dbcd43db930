// `anneal register`: the seed's flags turned into a target, appended to the Annealfile as text.
#include "cli/register_command.h"

#include <filesystem>

#include <fmt/format.h>

#include "cli/project.h"
#include "cli/terminal.h"
#include "graph/annealfile.h"
#include "graph/annealfile_edit.h"
#include "util/file.h"

namespace anneal::cli {

namespace fs = std::filesystem;

namespace {

using graph::yaml_scalar;

/// The seed's agent when none is named: Claude Code, as docs/coding-agents.md sets it up.
constexpr const char* k_default_agent = R"AGENT(  agent:  # Claude Code, the seed's default (docs/coding-agents.md)
    kind: command
    run: claude -p "$(cat "$ANNEAL_PROMPT_FILE")" --output-format json --permission-mode acceptEdits
    timeout: 15m
    cost_field: total_cost_usd
    writable: [~/.claude, ~/.claude.json]
)AGENT";

std::string flow_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + yaml_scalar(item);
  return "[" + out + "]";
}

/// The agent that proposes changes: the one named, an inline command, the only command or api
/// agent the Annealfile defines, or (with none defined) Claude Code.
Result<std::string> agent_lines(const RegisterArgs& args, const graph::Annealfile& file) {
  if (!args.agent.empty())
    return fmt::format("  agent: {}\n", yaml_scalar(args.agent));
  if (!args.agent_cmd.empty())
    return fmt::format("  agent: {{kind: command, run: {}}}\n", yaml_scalar(args.agent_cmd));
  std::vector<std::string> usable;
  for (const auto& [name, agent] : file.agents)
    if (agent.kind != graph::AgentKind::Tune)
      usable.push_back(name);
  if (usable.size() == 1)
    return fmt::format("  agent: {}\n", yaml_scalar(usable.front()));
  if (usable.empty())
    return std::string(k_default_agent);
  return fail(fmt::format("which agent proposes the changes? name one with --agent NAME ({} are defined) or "
                          "give a command with --agent-cmd CMD",
                          fmt::join(usable, ", ")));
}

/// The judge's agent: the one named, else the target's own when it is an api agent, else the
/// only api agent defined.
Result<std::string> judge_agent(const RegisterArgs& args, const graph::Annealfile& file) {
  if (!args.judge_agent.empty())
    return args.judge_agent;
  std::vector<std::string> api;
  for (const auto& [name, agent] : file.agents)
    if (agent.kind == graph::AgentKind::Api)
      api.push_back(name);
  if (!args.agent.empty() && std::find(api.begin(), api.end(), args.agent) != api.end())
    return args.agent;
  if (api.size() == 1)
    return api.front();
  return fail(api.empty() ? std::string("a stochastic target needs an api agent to judge it: define one under "
                                        "`agents:` and name it with --judge-agent NAME")
                          : fmt::format("which agent judges? name one with --judge-agent NAME ({} are defined)",
                                        fmt::join(api, ", ")));
}

/// The target as the Annealfile will hold it: `NAME:` and its entries, two spaces in.
Result<std::string> target_block(const RegisterArgs& args, const graph::Annealfile& file) {
  bool stochastic = args.eval_mode == "stochastic";
  if (!stochastic && args.run_cmd.empty())
    return fail("a deterministic target needs --run-cmd: the command that measures it");
  if (stochastic && !args.parse_cmd.empty())
    return fail("--parse-cmd reads a deterministic measurement; a stochastic target is scored by its judge");
  if (stochastic && (args.criteria.empty() || args.samples.empty()))
    return fail("a stochastic target needs --criterion QUESTION (one or more) and --samples GLOB");
  if (!stochastic && (!args.criteria.empty() || !args.samples.empty() || !args.judge_agent.empty()))
    return fail("--criterion, --samples and --judge-agent are for --eval-mode stochastic");

  std::string block = yaml_scalar(args.name) + ":\n";
  if (!args.artifacts.empty())
    block += fmt::format("  artifact: {}\n", flow_list(args.artifacts));
  if (!args.scope.empty())
    block += fmt::format("  scope: {}\n", yaml_scalar(args.scope));
  auto agent = agent_lines(args, file);
  if (!agent)
    return std::unexpected(agent.error());
  block += *agent;
  if (args.drafts)
    block += fmt::format("  drafts: {}\n", *args.drafts);
  if (args.restart_probability)
    block += fmt::format("  restart_probability: {}\n", *args.restart_probability);
  if (!args.verifiers.empty()) {
    block += "  verify:\n";
    for (const auto& verifier : args.verifiers) {
      size_t colon = verifier.find(':');
      block += fmt::format("    - {{name: {}, run: {}}}\n", yaml_scalar(verifier.substr(0, colon)),
                           yaml_scalar(verifier.substr(colon + 1)));
    }
  }
  std::string metric = args.metric;
  if (stochastic) {
    auto judge = judge_agent(args, file);
    if (!judge)
      return std::unexpected(judge.error());
    block += fmt::format("  judge:\n    agent: {}\n    samples: {}\n    criteria:\n", yaml_scalar(*judge),
                         yaml_scalar(args.samples));
    for (const auto& criterion : args.criteria)
      block += fmt::format("      - {}\n", yaml_scalar(criterion));
    if (!args.run_cmd.empty())
      block += fmt::format("    generate: {{run: {}}}\n", yaml_scalar(args.run_cmd));
    metric = "judge";
  } else {
    block += fmt::format("  stages:\n    - {{name: {}, run: {}{}}}\n", yaml_scalar(metric), yaml_scalar(args.run_cmd),
                         args.parse_cmd.empty() ? "" : ", parse: " + yaml_scalar(args.parse_cmd));
  }
  block += fmt::format("  objective: {{metric: {}, direction: {}}}\n", yaml_scalar(metric), args.direction);
  if (!args.policy_model.empty()) {
    // The seed's policy agent: an api agent of that model rewriting the mutation instructions.
    bool anthropic = args.policy_model.rfind("claude", 0) == 0;
    block += fmt::format("  policy: {{agent: {{kind: api, provider: {}, model: {}}}, every: 5}}\n",
                         anthropic ? "anthropic" : "openai", yaml_scalar(args.policy_model));
  }
  return block;
}

}  // namespace

CLI::App* add_register_command(CLI::App& app, RegisterArgs& args) {
  auto* cmd = app.add_subcommand("register", "add a target to the Annealfile from the seed's flags (the rest stays as written)");
  cmd->add_option("--name", args.name, "the target's name")->required()->type_name("NAME");
  cmd->add_option("--artifact", args.artifacts, "a file being improved (repeat for more)")->type_name("PATH");
  cmd->add_option("--eval-mode", args.eval_mode,
                  "deterministic (default: --run-cmd prints the score) or stochastic (an LLM judges --samples "
                  "against each --criterion)")
      ->check(CLI::IsMember({"deterministic", "stochastic"}));
  cmd->add_option("--run-cmd", args.run_cmd,
                  "deterministic: the command that measures a candidate; stochastic: the command whose output "
                  "is judged (default: the artifact itself)")
      ->type_name("CMD");
  cmd->add_option("--parse-cmd", args.parse_cmd, "reads --run-cmd's output on stdin and prints the number")
      ->type_name("CMD");
  cmd->add_option("--direction", args.direction, "maximize (default) or minimize")
      ->check(CLI::IsMember({"maximize", "minimize"}));
  cmd->add_option("--scope", args.scope, "a YAML file with the editable, immutable (and hidden) globs")
      ->type_name("FILE");
  cmd->add_option("--verifier", args.verifiers, "a gate that must pass before the measurement (repeat for more)")
      ->type_name("NAME:CMD")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            size_t colon = text.find(':');
            return colon == 0 || colon == std::string::npos || colon + 1 == text.size()
                       ? "a verifier is NAME:CMD, e.g. \"lint:ruff check src\""
                       : "";
          },
          "NAME:CMD"));
  cmd->add_option("--restart-probability", args.restart_probability,
                  "chance that a draft starts from the baseline instead of the best so far")
      ->type_name("P")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--n-drafts", args.drafts, "candidates per experiment")->type_name("N")->check(CLI::Range(1, 1000));
  cmd->add_option("--policy-model", args.policy_model, "the policy agent's model: it rewrites the mutation instructions every 5 experiments")
      ->type_name("MODEL");
  cmd->add_option("--agent", args.agent, "the agent under `agents:` that proposes changes")->type_name("NAME");
  cmd->add_option("--agent-cmd", args.agent_cmd, "or a command that does (a coding agent's CLI)")
      ->type_name("CMD")
      ->excludes("--agent");
  cmd->add_option("--metric", args.metric, "deterministic: the measurement's name (default score)")
      ->type_name("NAME");
  cmd->add_option("--criterion", args.criteria, "stochastic: a YES/NO question the judge answers (repeat)")
      ->type_name("QUESTION");
  cmd->add_option("--samples", args.samples, "stochastic: a glob of the samples judged")->type_name("GLOB");
  cmd->add_option("--judge-agent", args.judge_agent, "stochastic: the api agent that judges")->type_name("NAME");
  cmd->add_flag("-n,--dry-run", args.dry_run, "print the target, write nothing");
  cmd->footer(
      "Without --agent or --agent-cmd the target uses the Annealfile's only command or api agent, or\n"
      "Claude Code when there is none. Build it with `anneal run --target NAME` (or `anneal build NAME`).");
  return cmd;
}

Result<int> run_register(const RegisterArgs& args) {
  auto workspace = graph::Workspace::open(fs::current_path());
  if (!workspace)
    return std::unexpected(workspace.error());
  fs::path path = annealfile_path(*workspace);
  std::error_code ec;
  if (!fs::exists(path, ec))
    return fail(fmt::format("no Annealfile here; run `anneal init` first, then `anneal register` again"));
  auto text = read_file(path);
  if (!text)
    return std::unexpected(text.error());
  bool caret = is_terminal(stderr);
  auto current = graph::parse_annealfile(*text, path, caret);
  if (!current)
    return fail(current.error().message + "\nnothing written: fix the Annealfile first");
  if (const graph::Target* existing = current->find_target(args.name))
    return fail(fmt::format("{}:{}:{}: error: target '{}' is already defined; edit it there, or register "
                            "another --name",
                            path.string(), existing->loc.line, existing->loc.column, args.name));
  auto block = target_block(args, *current);
  if (!block)
    return std::unexpected(block.error());
  auto changed = graph::append_target(*text, *block);
  if (!changed)
    return fail(fmt::format("{}:{}", path.string(), changed.error().message));
  // The whole file as it would be is loaded like any build loads it: what is written builds.
  if (auto would_be = graph::parse_annealfile(*changed, path, caret); !would_be)
    return fail(would_be.error().message + "\nnothing written: the target above would not load (lines as in the "
                                           "file with it added)");
  if (args.dry_run) {
    fmt::print("{}", *block);
    return 0;
  }
  auto permissions = fs::status(path, ec).permissions();
  if (auto written = write_file_atomic(path, *changed); !written)
    return std::unexpected(written.error());
  fs::permissions(path, permissions, ec);
  fmt::print("anneal: added target '{}' to {}:\n{}\nbuild it: anneal run --target {} (or anneal build {})\n",
             args.name, path.string(), *block, args.name, args.name);
  return 0;
}

}  // namespace anneal::cli
