#include "cli/approval_commands.h"

#include <filesystem>

#include <fmt/format.h>

#include "cli/project.h"
#include "cli/terminal.h"
#include "graph/deployment.h"
#include "graph/notifier.h"

namespace anneal::cli {

ApprovalCommands add_approval_commands(CLI::App& app, ApprovalArgs& args) {
  ApprovalCommands commands;
  for (bool approve : {true, false}) {
    CLI::App* cmd = app.add_subcommand(
        approve ? "approve" : "reject",
        approve ? "approve a candidate's deployment tier that waits, and run it (and the tiers after it, up to the "
                  "next that waits)"
                : "refuse a candidate's deployment tier that waits; nothing more of it runs");
    cmd->add_option("target", args.target, "target")->required();
    cmd->add_option("key", args.key, "the candidate: its experiment's key or its commit, a prefix will do (default: "
                                     "the newest candidate waiting)");
    cmd->add_option("--tier", args.tier, "the tier (default: the one the candidate waits at)")->type_name("NAME");
    cmd->footer("Who decided is git's user.name and user.email; the decision, its time and the candidate go into the "
                "target's ledger. `anneal status` shows what waits.");
    (approve ? commands.approve : commands.reject) = cmd;
  }
  return commands;
}

Result<int> run_approval(const ApprovalArgs& args, bool approve) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  auto target = find_target(project->annealfile, args.target);
  if (!target)
    return std::unexpected(target.error());
  // A tier after the approved one may wait in turn: its approval_needed goes out as in a build.
  graph::Notifier notifier(project->annealfile, project->workspace.root());
  graph::DeployHooks hooks;
  hooks.note = [](const std::string& text) { fmt::print("{}\n", text); };
  hooks.on_step = [&](const graph::Target& t, const nlohmann::json& step) {
    std::string kind = step.value("step", "");
    if (kind == "approved" || kind == "rejected")
      fmt::print("{}: {} #{} ({}) for tier {}, as {}{}\n", t.name, kind, step.value("experiment", 0),
                 step.value("key", "").substr(0, 16), step.value("tier", ""), step.value("by", ""),
                 kind == "rejected" ? "; nothing more of it runs" : "");
    for (const auto& event : graph::deploy_events(t, step, project->workspace.root()))
      notifier.send(t, event);
  };
  auto decided = graph::decide_deployment(project->workspace, **target, {args.key, args.tier, approve}, hooks);
  notifier.finish();
  for (const std::string& warning : notifier.take_warnings())
    fmt::print(stderr, "anneal: {} {}\n", paint("warning:", Color::Yellow, use_color(stderr)), warning);
  if (!decided)
    return std::unexpected(decided.error());
  return decided->step == "failed" ? 1 : 0;
}

}  // namespace anneal::cli
