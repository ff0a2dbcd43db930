#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "cache/local_store.h"
#include "git/repository.h"
#include "nodes/node_spec.h"
#include "util/error.h"

namespace anneal::graph {

// Layout of .anneal/ (never tracked: .anneal/.gitignore holds "*"):
//
//   .anneal/ninja/<name>/build.ninja   the target's current batch of edges (rewritten only
//                                    on change), one folder per target so that targets build
//                                    at once without sharing ninja's files
//   .anneal/ninja/<name>/.ninja_log, .ninja_deps  ninja's own state
//   .anneal/cache/                   the local cache (cache/local_store.h)
//   .anneal/specs/XX/<key>.json      node specs, canonical JSON (nodes/node_spec.h)
//   .anneal/specs/XX/<key>.died      how the node's last run died, if a signal killed it
//                                    (graph/node_death.h)
//   .anneal/targets/<name>/experiments.jsonl   the ledger (graph/ledger.h)
//   .anneal/targets/<name>/lock      held while a build of the target runs
//   .anneal/targets/<name>/stop      asks the running build to stop after this experiment
//   .anneal/targets/<name>/nodes.lock  held (shared) by the target's running nodes
//   .anneal/targets/<name>/spend.jsonl  money spent on LLM calls, by day (llm/spend_log.h)
//   .anneal/targets/<name>/learnings.json  the latest consolidated learnings
//   .anneal/worktrees/<name>/…       candidate worktrees, removed after each experiment
//   .anneal/tmp/                     scratch files of running nodes
//   .anneal/logs/build-<time>.*      the output of background builds (cli/build_log.h)
//   .anneal/guard/<key>/…            what an agent left in the user's checkout, moved aside
//                                    when the guard put the files back (git/repo_guard.h)

/// A repository with its .anneal directory.
class Workspace {
 public:
  /// Finds the repository containing `start` and creates .anneal/ with its .gitignore.
  /// The repository itself is opened on first use: a no-op build never needs libgit2.
  static Result<Workspace> open(const std::filesystem::path& start);

  /// The repository, opened on first use.
  Result<git::Repository*> repo();
  cache::LocalStore& store() { return m_store; }
  const std::filesystem::path& root() const { return m_root; }
  const std::filesystem::path& anneal_dir() const { return m_anneal_dir; }

  std::filesystem::path target_dir(std::string_view target) const;
  std::filesystem::path ledger_path(std::string_view target) const;
  std::filesystem::path lock_path(std::string_view target) const;
  std::filesystem::path stop_path(std::string_view target) const;
  /// Held shared by every running node of the target, so a new build can wait out the
  /// nodes a killed build left running before it cleans up after them.
  std::filesystem::path nodes_lock_path(std::string_view target) const;
  std::filesystem::path worktrees_dir(std::string_view target) const;
  std::filesystem::path spend_path(std::string_view target) const { return target_dir(target) / "spend.jsonl"; }
  std::filesystem::path learnings_path(std::string_view target) const {
    return target_dir(target) / "learnings.json";
  }
  /// Where the target's build.ninja is written and ninja runs (its own, so that several
  /// targets build at once).
  std::filesystem::path ninja_dir(std::string_view target) const { return m_anneal_dir / "ninja" / std::string(target); }
  std::filesystem::path spec_path(const cache::Digest& key) const;

  /// Stores a spec under its key (kept if already there: same key, same bytes).
  Result<void> save_spec(const nodes::NodeSpec& spec) const;
  /// Reads a spec and checks it still hashes to `key`.
  Result<nodes::NodeSpec> load_spec(const cache::Digest& key) const;

 private:
  explicit Workspace(std::filesystem::path root);
  std::filesystem::path m_root;
  std::optional<git::Repository> m_repo;
  std::filesystem::path m_anneal_dir;
  cache::LocalStore m_store;
};

}  // namespace anneal::graph
