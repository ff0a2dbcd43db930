#include "graph/workspace.h"

#include <fmt/format.h>

#include "util/file.h"

namespace anneal::graph {

namespace fs = std::filesystem;

Workspace::Workspace(fs::path root)
    : m_root(std::move(root)), m_anneal_dir(m_root / ".anneal"), m_store(m_anneal_dir / "cache") {}

Result<Workspace> Workspace::open(const fs::path& start) {
  // Like git: the nearest folder upwards with a .git entry (a worktree's .git is a file).
  // A candidate worktree inside .anneal/ belongs to the repository around it.
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec).lexically_normal();
  fs::path outside;  // `dir` cut just above its last .anneal component, if any
  const fs::path full = dir;
  for (const auto& part : full) {
    if (part == ".anneal")
      dir = outside;
    outside /= part;
  }
  fs::path root;
  for (fs::path p = dir;; p = p.parent_path()) {
    if (fs::exists(p / ".git", ec)) {
      root = p;
      break;
    }
    if (p == p.root_path() || p.empty())
      break;
  }
  if (root.empty()) {
    auto repo = git::Repository::open(start);  // for its message
    return std::unexpected(repo ? Error{"not a git repository: " + dir.string()} : repo.error());
  }
  if (root.has_parent_path() && !root.has_filename())
    root = root.parent_path();
  Workspace workspace(root);
  fs::path ignore = workspace.m_anneal_dir / ".gitignore";
  if (!fs::exists(ignore, ec)) {
    if (auto written = write_file_atomic(ignore, "# anneal's build directory: never tracked\n*\n"); !written)
      return std::unexpected(written.error());
  }
  return workspace;
}

Result<git::Repository*> Workspace::repo() {
  if (!m_repo) {
    auto opened = git::Repository::open(m_root);
    if (!opened)
      return std::unexpected(opened.error());
    m_repo.emplace(std::move(*opened));
  }
  return &*m_repo;
}

fs::path Workspace::target_dir(std::string_view target) const {
  return m_anneal_dir / "targets" / std::string(target);
}
fs::path Workspace::ledger_path(std::string_view target) const {
  return target_dir(target) / "experiments.jsonl";
}
fs::path Workspace::lock_path(std::string_view target) const { return target_dir(target) / "lock"; }
fs::path Workspace::stop_path(std::string_view target) const { return target_dir(target) / "stop"; }
fs::path Workspace::nodes_lock_path(std::string_view target) const { return target_dir(target) / "nodes.lock"; }
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
  return write_file_atomic(path, spec.canonical, Durability::Unsynced);
}

Result<nodes::NodeSpec> Workspace::load_spec(const cache::Digest& key) const {
  auto text = read_file_if_exists(spec_path(key));
  if (!text)
    return fail(fmt::format("no node {} in {}: run `anneal build` to plan it",
                            key.hex(), (m_anneal_dir / "specs").string()));
  return nodes::parse_spec(*text, key);
}

}  // namespace anneal::graph
