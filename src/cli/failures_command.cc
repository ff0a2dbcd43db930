// `anneal failures TARGET [--last N] [--json]`: how the target's recent experiments failed,
// by category (graph/failure_category.h), and the failures no category explains.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/listing_json.h"
#include "cli/project.h"

namespace anneal::cli {

Result<int> run_failures(const FailuresArgs& args) {
  auto project = open_project();
  if (!project)
    return std::unexpected(project.error());
  if (auto target = find_target(project->annealfile, args.target); !target)
    return std::unexpected(target.error());
  auto failures = failures_json(*project, args.target, args.last);
  if (!failures)
    return std::unexpected(failures.error());
  const nlohmann::json& f = *failures;
  if (args.json) {
    fmt::print("{}\n", f.dump(2));
    return 0;
  }
  size_t experiments = f.at("experiments").get<size_t>();
  if (experiments == 0) {
    fmt::print("{}: no experiments yet\n", args.target);
    return 0;
  }
  size_t failed = f.at("failed").get<size_t>();
  fmt::print("{}: {} of the last {} experiment(s) failed (#{}–#{})\n", args.target, failed, experiments,
             f.at("first").get<int>(), f.at("last").get<int>());
  size_t width = 0;
  for (const auto& c : f.at("categories"))
    width = std::max(width, c.at("category").get<std::string>().size());
  for (const auto& c : f.at("categories")) {
    size_t count = c.at("count").get<size_t>();
    fmt::print("  {:<{}}  {:>3}  {:>3.0f}%\n", c.at("category").get<std::string>(), width, count,
               100.0 * static_cast<double>(count) / static_cast<double>(experiments));
  }
  const nlohmann::json& blind = f.at("blind_spots");
  if (blind.empty()) {
    fmt::print("blind spots: none (a category explains every failure)\n");
    return 0;
  }
  fmt::print("blind spots: {} failure(s) no category explains\n", blind.size());
  for (const auto& b : blind)
    fmt::print("  #{} {}: {}\n", b.at("id").get<int>(), b.at("category").get<std::string>(),
               b.at("detail").get<std::string>());
  fmt::print("(`taxonomy: {{agent: NAME}}` in the Annealfile has an LLM classify them from their logs)\n");
  return 0;
}

}  // namespace anneal::cli
