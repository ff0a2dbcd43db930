// `anneal history TARGET [--all] [--csv|--json]`: a target's experiments as a table, one
// column per tune parameter and metric.
#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/experiment_table.h"
#include "cli/listing_json.h"
#include "cli/project.h"
#include "cli/terminal.h"
#include "graph/retry_plan.h"

namespace anneal::cli {

namespace {

/// The width of the terminal stdout is; 0 when it is not one.
size_t terminal_columns() {
  if (!is_terminal(stdout))
    return 0;
  struct winsize size {};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  return 80;
}

/// The experiments (latest attempts) of the current run, or of every run.
Result<std::vector<nlohmann::json>> history_records(Project& project, const std::string& name, bool all) {
  auto ledger = open_ledger(project, name);
  if (!ledger)
    return std::unexpected(ledger.error());
  std::vector<std::vector<nlohmann::json>> runs;
  if (all) {
    auto read = ledger->generations();
    if (!read)
      return std::unexpected(read.error());
    runs = std::move(*read);
  } else {
    auto read = ledger->generation();
    if (!read)
      return std::unexpected(read.error());
    runs.push_back(std::move(*read));
  }
  std::vector<nlohmann::json> records;
  for (size_t i = 0; i < runs.size(); ++i)
    for (auto& r : graph::latest_attempts(runs[i])) {
      if (all)
        r["run"] = i + 1;
      records.push_back(std::move(r));
    }
  return records;
}

}  // namespace

Result<int> run_history(const HistoryArgs& args) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  auto target = find_target(project->annealfile, args.target);
  if (!target)
    return std::unexpected(target.error());
  auto records = history_records(*project, args.target, args.all);
  if (!records)
    return std::unexpected(records.error());
  if (args.json) {
    fmt::print("{}\n", history_listing(*records, args.all).dump(2));
    return 0;
  }
  ExperimentTable table = experiment_table(*project, **target, *records, args.all);
  if (args.csv) {
    fmt::print("{}", table_csv(table));
    return 0;
  }
  if (records->empty()) {
    fmt::print("{}: no experiments yet\n", args.target);
    return 0;
  }
  fmt::print("{}", table_text(table, terminal_columns()));
  return 0;
}

}  // namespace anneal::cli
