#include "nodes/candidate.h"

#include <fmt/format.h>

#include "cache/digest.h"
#include "git/worktree.h"
#include "git/worktree_head.h"
#include "proc/lock_file.h"
#include "util/file.h"

namespace anneal::nodes {

namespace fs = std::filesystem;

Result<Candidate> resolve_candidate(NodeContext& context, const nlohmann::json& ref) {
  Candidate candidate;
  if (ref.contains("commit")) {
    candidate.commit = ref.at("commit").get<std::string>();
    candidate.worktree_name = "base";
    return candidate;
  }
  std::string key_hex = ref.value("mutate", "");
  auto key = cache::Digest::from_hex(key_hex);
  if (!key)
    return fail(fmt::format("bad candidate reference {}", ref.dump()));
  auto mutation = latest_result(*context.store, *key);
  if (!mutation)
    return fail(fmt::format("the result of mutate node {} is not in the cache", key_hex));
  candidate.worktree_name = fmt::format("d{}", ref.value("slot", 0));
  if (mutation->ok())
    candidate.commit = mutation->commit;
  candidate.mutation = std::move(mutation);
  return candidate;
}

fs::path worktree_path(const NodeContext& context, std::string_view target, std::string_view name) {
  return context.anneal_dir / "worktrees" / std::string(target) / std::string(name);
}

std::string candidate_message(std::string_view target, int experiment, int draft,
                              std::string_view hypothesis) {
  std::string message = fmt::format("anneal: {} experiment {} draft {}\n", target, experiment, draft);
  if (!hypothesis.empty())
    message += fmt::format("\n{}\n", hypothesis);
  return message;
}

Result<void> ensure_commit(NodeContext& context, const NodeResult& mutation) {
  auto opened = context.repo();
  if (!opened)
    return std::unexpected(opened.error());
  git::Repository& repo = **opened;
  if (repo.has_object(mutation.commit))
    return {};
  auto blob = [&](const char* name) -> Result<std::string> {
    auto it = mutation.blobs.find(name);
    auto digest = it == mutation.blobs.end() ? std::nullopt : cache::Digest::from_hex(it->second);
    auto bytes = digest ? context.store->get_blob(*digest) : std::nullopt;
    if (!bytes)
      return fail(fmt::format("cannot rebuild commit {}: its {} is not in the cache",
                              mutation.commit, name));
    return *bytes;
  };
  auto patch = blob("patch");
  if (!patch)
    return std::unexpected(patch.error());
  auto message = blob("message");
  if (!message)
    return std::unexpected(message.error());
  auto tree = repo.apply_patch(mutation.parent, *patch);
  if (!tree)
    return std::unexpected(tree.error());
  auto time = repo.commit_time(mutation.parent);
  if (!time)
    return std::unexpected(time.error());
  auto commit = repo.commit_tree(*tree, mutation.parent, *message, *time);
  if (!commit)
    return std::unexpected(commit.error());
  if (*commit != mutation.commit)
    return fail(fmt::format("rebuilt commit {} differs from the recorded {}", *commit, mutation.commit));
  return {};
}

Result<fs::path> checkout_worktree(NodeContext& context, std::string_view target, std::string_view name,
                                   std::string_view commit) {
  fs::path path = worktree_path(context, target, name);
  if (git::worktree_head(path) && git::reset_worktree(path, commit))
    return path;
  // Not a usable worktree (never made, or broken by a crash): make it anew.
  auto repo = context.repo();
  if (!repo)
    return std::unexpected(repo.error());
  // Inside the target's worktrees folder: anneal's, even if an agent made it a repository.
  if (auto removed = git::remove_worktree(**repo, path, path.parent_path()); !removed)
    return std::unexpected(removed.error());
  std::string admin_name = fmt::format("anneal-{}-{}", target, name);
  if (auto added = git::add_worktree(**repo, path, admin_name, commit); !added)
    return std::unexpected(added.error());
  return path;
}

Result<fs::path> ensure_worktree(NodeContext& context, std::string_view target,
                                 const Candidate& candidate) {
  fs::path path = worktree_path(context, target, candidate.worktree_name);
  // HEAD names the commit before the checkout has written the files, so a worktree is ready
  // only once the stamp beside it, written after the checkout, names the commit too.
  fs::path ready = worktree_ready_stamp(path);
  auto is_ready = [&] {
    return read_file_if_exists(ready) == candidate.commit && git::worktree_head(path) == candidate.commit;
  };
  if (is_ready())
    return path;
  if (auto made = make_dirs(path.parent_path()); !made)
    return std::unexpected(made.error());
  // The nodes of one candidate may start together (a judge node per sample); one of them
  // moves the worktree while the others wait.
  auto lock = proc::LockFile::acquire(fs::path(path.string() + ".lock"));
  if (!lock)
    return std::unexpected(lock.error());
  if (is_ready())
    return path;
  std::error_code ec;
  fs::remove(ready, ec);
  if (candidate.mutation) {
    if (auto made = ensure_commit(context, *candidate.mutation); !made)
      return std::unexpected(made.error());
  }
  auto checked_out = checkout_worktree(context, target, candidate.worktree_name, candidate.commit);
  if (!checked_out)
    return checked_out;
  if (auto stamped = write_file_atomic(ready, candidate.commit); !stamped)
    return std::unexpected(stamped.error());
  return checked_out;
}

fs::path worktree_ready_stamp(const fs::path& worktree) { return fs::path(worktree.string() + ".ready"); }

}  // namespace anneal::nodes
