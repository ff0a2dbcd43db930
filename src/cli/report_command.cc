// `anneal report [TARGET…] [-o FILE] [--markdown]`: one self-contained HTML file, or a
// pull-request comment, saying what each target's current run found.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/project.h"
#include "cli/report_html.h"
#include "cli/report_markdown.h"
#include "cli/run_summary.h"
#include "util/file.h"

namespace anneal::cli {

Result<int> run_report(const ReportArgs& args) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  auto targets = select_targets(project->annealfile, args.targets, false);
  if (!targets)
    return std::unexpected(targets.error());
  std::vector<RunSummary> runs;
  for (const graph::Target* target : *targets) {
    auto run = summarize_run(*project, *target);
    if (!run)
      return std::unexpected(run.error());
    runs.push_back(std::move(*run));
  }
  std::string text = args.markdown ? report_markdown(runs) : report_html(runs);
  if (args.output.empty() || args.output == "-") {
    fmt::print("{}", text);
    return 0;
  }
  if (auto written = write_file_atomic(args.output, text, Durability::Unsynced); !written)
    return std::unexpected(written.error());
  fmt::print("wrote {}\n", args.output);
  return 0;
}

}  // namespace anneal::cli
