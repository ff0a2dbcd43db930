#include "cli/project.h"

#include <stdlib.h>

#include <functional>
#include <set>

#include <fmt/format.h>

#include "cli/terminal.h"
#include "graph/containment.h"
#include "util/secrets.h"

namespace anneal::cli {

namespace fs = std::filesystem;

fs::path annealfile_path(const graph::Workspace& workspace) {
  fs::path path = "Annealfile";
  std::error_code ec;
  if (!fs::exists(path, ec) && fs::exists(workspace.root() / "Annealfile", ec))
    path = fs::relative(workspace.root() / "Annealfile", fs::current_path(), ec);
  return path;
}

Result<Project> open_project(graph::Workspace workspace) {
  auto annealfile = graph::load_annealfile(annealfile_path(workspace), is_terminal(stderr));
  if (!annealfile)
    return std::unexpected(annealfile.error());
  // Variables the Annealfile names as secrets without their names saying so: this process
  // and every node it starts (through ninja) keep them from commands and redact their values.
  std::string secrets = secret_vars_value(graph::declared_secret_variables(*annealfile));
  ::setenv(k_secret_vars_env, secrets.c_str(), 1);
  return Project{std::move(workspace), std::move(*annealfile)};
}

Result<Project> open_project() {
  auto workspace = graph::Workspace::open(fs::current_path());
  if (!workspace)
    return std::unexpected(workspace.error());
  return open_project(std::move(*workspace));
}

Result<const graph::Target*> find_target(const graph::Annealfile& annealfile, const std::string& name) {
  if (const graph::Target* target = annealfile.find_target(name))
    return target;
  std::string known;
  for (const auto& t : annealfile.targets)
    known += (known.empty() ? "" : ", ") + t.name;
  return fail(fmt::format("no target '{}' in {} (targets: {})", name, annealfile.path.string(),
                          known.empty() ? "none" : known));
}

Result<graph::Ledger> open_ledger(Project& project, const std::string& name) {
  if (auto target = find_target(project.annealfile, name); !target)
    return std::unexpected(target.error());
  return graph::Ledger::open(project.workspace.ledger_path(name));
}

Result<std::vector<nlohmann::json>> current_run(Project& project, const std::string& name) {
  auto ledger = open_ledger(project, name);
  if (!ledger)
    return std::unexpected(ledger.error());
  return ledger->generation();
}

Result<std::vector<const graph::Target*>> select_targets(const graph::Annealfile& annealfile,
                                                         const std::vector<std::string>& names,
                                                         bool with_needs) {
  std::vector<const graph::Target*> wanted;
  for (const auto& name : names) {
    auto target = find_target(annealfile, name);
    if (!target)
      return std::unexpected(target.error());
    wanted.push_back(*target);
  }
  if (names.empty())
    for (const auto& t : annealfile.targets)
      wanted.push_back(&t);
  std::vector<const graph::Target*> ordered;
  std::set<std::string> seen;
  std::function<void(const graph::Target&)> visit = [&](const graph::Target& t) {
    if (!seen.insert(t.name).second)
      return;
    if (with_needs)
      for (const auto& need : t.needs)
        if (const graph::Target* other = annealfile.find_target(need))
          visit(*other);
    ordered.push_back(&t);
  };
  for (const graph::Target* t : wanted)
    visit(*t);
  return ordered;
}

}  // namespace anneal::cli
