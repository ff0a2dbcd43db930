#include "graph/workspace.h"

#include <fmt/format.h>

#include "util/file.h"

namespace anneal::graph {

namespace fs = std::filesystem;

Workspace::Workspace(git::Repository repo, fs::path anneal_dir)
    : m_repo(std::move(repo)), m_anneal_dir(std::move(anneal_dir)), m_store(m_anneal_dir / "cache") {}

Result<Workspace> Workspace::open(const fs::path& start) {
  auto repo = git::Repository::open(start);
  if (!repo)
    return std::unexpected(repo.error());
  fs::path dir = repo->workdir() / ".anneal";
  fs::path ignore = dir / ".gitignore";
  if (!fs::exists(ignore)) {
    if (auto written = write_file_atomic(ignore, "# anneal's build directory: never tracked\n*\n"); !written)
      return std::unexpected(written.error());
  }
  return Workspace(std::move(*repo), dir);
}

fs::path Workspace::target_dir(std::string_view target) const {
  return m_anneal_dir / "targets" / std::string(target);
}
fs::path Workspace::ledger_path(std::string_view target) const {
  return target_dir(target) / "experiments.jsonl";
}
fs::path Workspace::lock_path(std::string_view target) const { return target_dir(target) / "lock"; }
fs::path Workspace::stop_path(std::string_view target) const { return target_dir(target) / "stop"; }
fs::path Workspace::worktrees_dir(std::string_view target) const {
  return m_anneal_dir / "worktrees" / std::string(target);
}

fs::path Workspace::spec_path(const cache::Digest& key) const {
  std::string hex = key.hex();
  return m_anneal_dir / "specs" / hex.substr(0, 2) / (hex + ".json");
}

Result<void> Workspace::save_spec(const nodes::NodeSpec& spec) const {
  fs::path path = spec_path(spec.key);
  std::error_code ec;
  if (fs::exists(path, ec))
    return {};
  return write_file_atomic(path, spec.canonical);
}

Result<nodes::NodeSpec> Workspace::load_spec(const cache::Digest& key) const {
  auto text = read_file_if_exists(spec_path(key));
  if (!text)
    return fail(fmt::format("no node {} in {}: run `anneal build` to plan it",
                            key.hex(), (m_anneal_dir / "specs").string()));
  return nodes::parse_spec(*text, key);
}

}  // namespace anneal::graph
