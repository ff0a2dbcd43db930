#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "cache/local_store.h"
#include "git/repository.h"
#include "nodes/node_result.h"
#include "nodes/node_spec.h"
#include "proc/subprocess.h"
#include "util/error.h"

namespace anneal::nodes {

/// Where nodes run: the repository, the local cache and the `.anneal` directory.
struct NodeContext {
  /// The repository, opened on first use: a gate or stage whose worktree is ready never
  /// needs libgit2, and every node is a process of its own.
  std::function<Result<git::Repository*>()> repo;
  cache::LocalStore* store = nullptr;
  std::filesystem::path anneal_dir;
  /// Polled while user commands run; true stops them (the build that started us is gone).
  std::function<bool()> should_abort;
  /// Records the spec of a node that another node runs itself (a judge's llm calls), so
  /// `anneal show KEY` can print it; null: not recorded.
  std::function<Result<void>(const NodeSpec&)> save_spec;
  /// --fresh: calls a node makes up as it runs (the judge's) are asked again rather than
  /// answered from the cache.
  bool fresh = false;
  /// Where the commands' output is streamed as they run (`anneal build -v`); empty: nowhere.
  std::filesystem::path live_output;
  /// Told which of a node's steps (a stage's repeats) starts: step 1..steps; may be empty.
  std::function<void(int step, int steps)> on_step;
};

/// The cached result for `key`, or nullopt on a miss (an unreadable result is a miss, and
/// so is an unfinished one: the node runs again).
std::optional<NodeResult> cached_result(const cache::LocalStore& store, const cache::Digest& key,
                                        cache::Lookup lookup = cache::Lookup::LocalAndRemote);

/// What the node last produced: its cached result, else its last unfinished attempt (what
/// the nodes after it and the decision read in the build that ran it); nullopt: never run.
std::optional<NodeResult> latest_result(const cache::LocalStore& store, const cache::Digest& key,
                                        cache::Lookup lookup = cache::Lookup::LocalAndRemote);

/// Whether a command could not do its work (see node_result.h): the shell found no program
/// to run (exit status 127) or could not execute it (126), a signal ended it, or it timed out.
/// Any other exit status is the command's answer.
bool unfinished_run(const proc::RunResult& run);

/// Runs the node and stores its result under its key, or, for an unfinished one, as the
/// key's last attempt. Outcomes of the user's commands (a failed gate, a crashed agent) are
/// results; an Error means anneal itself could not do the work (and nothing is stored).
Result<NodeResult> execute_node(NodeContext& context, const NodeSpec& spec);

/// Stores `bytes` as a blob and records it in `result.blobs[name]` (empty bytes are skipped).
Result<void> attach_blob(NodeContext& context, NodeResult& result, const std::string& name,
                         std::string_view bytes);

/// Records money a node spent (an LLM call, a coding agent's own report) in the target's spend
/// log, .anneal/targets/<target>/spend.jsonl, which budget.usd_per_day reads.
Result<void> charge_spend(const NodeContext& context, const std::string& target, double usd,
                          const std::string& what);

/// The last `max_lines` lines of `text`, for messages.
std::string tail_lines(std::string_view text, size_t max_lines);

}  // namespace anneal::nodes
