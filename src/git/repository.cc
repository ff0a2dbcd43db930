#include "git/repository.h"

#include <mutex>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "git/handle.h"

namespace anneal::git {

namespace fs = std::filesystem;

std::string last_git_error() {
  const git_error* error = git_error_last();
  if (error == nullptr || error->message == nullptr)
    return "unknown libgit2 error";
  return error->message;
}

std::unexpected<Error> git_failure(std::string_view doing) {
  return fail(fmt::format("{}: {}", doing, last_git_error()));
}

ObjectId to_hex(const git_oid& oid) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, &oid);
  return hex;
}

Result<CommitHandle> lookup_commit(git_repository* repo, std::string_view spec) {
  std::string text(spec);
  git_object* object = nullptr;
  if (git_revparse_single(&object, repo, text.c_str()) != 0)
    return git_failure(fmt::format("cannot find commit {}", spec));
  ObjectHandle owned(object);
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, object, GIT_OBJECT_COMMIT) != 0)
    return git_failure(fmt::format("{} is not a commit", spec));
  return CommitHandle(reinterpret_cast<git_commit*>(peeled));
}

Result<TreeHandle> lookup_tree(git_repository* repo, std::string_view id) {
  git_oid oid;
  std::string text(id);
  if (text.size() != GIT_OID_HEXSZ || git_oid_fromstr(&oid, text.c_str()) != 0)
    return fail(fmt::format("not a tree id: '{}'", id));
  git_tree* tree = nullptr;
  if (git_tree_lookup(&tree, repo, &oid) != 0)
    return git_failure(fmt::format("cannot find tree {}", id));
  return TreeHandle(tree);
}

namespace {

fs::path without_trailing_slash(const char* path) {
  std::string text(path);
  while (text.size() > 1 && text.back() == '/')
    text.pop_back();
  return fs::path(text);
}

}  // namespace

Result<Repository> Repository::open(const fs::path& start) {
  ensure_libgit2();
  git_repository* raw = nullptr;
  int code = git_repository_open_ext(&raw, start.c_str(), 0, nullptr);
  if (code == GIT_ENOTFOUND)
    return fail(fmt::format("not a git repository (or any parent): {}", start.string()));
  if (code != 0)
    return git_failure(fmt::format("cannot open the git repository at {}", start.string()));
  RepositoryHandle handle(raw);
  if (git_repository_is_bare(raw))
    return fail(fmt::format("{} is a bare repository; anneal needs a working tree",
                            without_trailing_slash(git_repository_path(raw)).string()));
  Repository repo;
  repo.m_workdir = without_trailing_slash(git_repository_workdir(raw));
  repo.m_git_dir = without_trailing_slash(git_repository_commondir(raw));
  repo.m_repo = handle.release();
  return repo;
}

Repository::Repository(Repository&& other) noexcept
    : m_repo(std::exchange(other.m_repo, nullptr)),
      m_workdir(std::move(other.m_workdir)),
      m_git_dir(std::move(other.m_git_dir)),
      m_ident_set(other.m_ident_set) {}

Repository& Repository::operator=(Repository&& other) noexcept {
  if (this != &other) {
    git_repository_free(m_repo);
    m_repo = std::exchange(other.m_repo, nullptr);
    m_workdir = std::move(other.m_workdir);
    m_git_dir = std::move(other.m_git_dir);
    m_ident_set = other.m_ident_set;
  }
  return *this;
}

Repository::~Repository() { git_repository_free(m_repo); }

Result<ObjectId> Repository::head_commit() const {
  int unborn = git_repository_head_unborn(m_repo);
  if (unborn == 1)
    return fail(fmt::format("the repository at {} has no commits yet; commit your files first",
                            m_workdir.string()));
  if (unborn < 0)
    return git_failure(fmt::format("cannot read HEAD of {}", m_workdir.string()));
  auto commit = lookup_commit(m_repo, "HEAD");
  if (!commit)
    return std::unexpected(commit.error());
  return to_hex(*git_commit_id(commit->get()));
}

bool Repository::has_uncommitted_changes() const {
  git_status_options options = GIT_STATUS_OPTIONS_INIT;
  options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  // Untracked files are not part of the baseline either way; only edits to tracked files
  // are worth a warning.
  options.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
  git_status_list* list = nullptr;
  if (git_status_list_new(&list, m_repo, &options) != 0)
    return false;
  StatusListHandle owned(list);
  return git_status_list_entrycount(list) > 0;
}

Result<std::optional<ObjectId>> Repository::resolve_ref(std::string_view refname) const {
  std::string name(refname);
  git_reference* ref = nullptr;
  int code = git_reference_lookup(&ref, m_repo, name.c_str());
  if (code == GIT_ENOTFOUND)
    return std::nullopt;
  if (code != 0)
    return git_failure(fmt::format("cannot read reference {}", refname));
  ReferenceHandle owned(ref);
  git_object* target = nullptr;
  if (git_reference_peel(&target, ref, GIT_OBJECT_COMMIT) != 0)
    return git_failure(fmt::format("reference {} does not point at a commit", refname));
  ObjectHandle owned_target(target);
  return to_hex(*git_object_id(target));
}

namespace {

/// The id of `commit`, checked to name a commit. A full hex id is read directly, without
/// revparse (a replay sets hundreds of references); the read leaves the object in libgit2's
/// cache, where the validity check of git_reference_create finds it.
Result<git_oid> commit_oid(git_repository* repo, std::string_view commit) {
  git_oid oid;
  std::string text(commit);
  if (text.size() == GIT_OID_HEXSZ && git_oid_fromstr(&oid, text.c_str()) == 0) {
    git_commit* found = nullptr;
    if (git_commit_lookup(&found, repo, &oid) != 0)
      return git_failure(fmt::format("cannot find commit {}", commit));
    git_commit_free(found);
    return oid;
  }
  auto resolved = lookup_commit(repo, commit);
  if (!resolved)
    return std::unexpected(resolved.error());
  return *git_commit_id(resolved->get());
}

}  // namespace

Result<void> Repository::set_ref(std::string_view refname, std::string_view commit,
                                 std::string_view log_message) {
  std::string name(refname);
  std::string message(log_message);
  // Setting a reference to where it already points would only grow its reflog (and a
  // reference that points at a full id names a commit already: no need to read it).
  git_oid current;
  bool exists = git_reference_name_to_id(&current, m_repo, name.c_str()) == 0;
  if (git_oid id; exists && commit.size() == GIT_OID_HEXSZ &&
                  git_oid_fromstr(&id, std::string(commit).c_str()) == 0 && git_oid_equal(&current, &id))
    return {};
  auto oid = commit_oid(m_repo, commit);
  if (!oid)
    return std::unexpected(oid.error());
  if (exists && git_oid_equal(&current, &*oid))
    return {};
  // libgit2 reads the user's configuration for every reflog entry it writes; read it once
  // (the same name and email, or "unknown" as libgit2 would use without them).
  if (!m_ident_set) {
    git_signature* who = nullptr;
    if (git_signature_default(&who, m_repo) == 0) {
      SignatureHandle owned(who);
      git_repository_set_ident(m_repo, who->name, who->email);
    } else {
      git_error_clear();
      git_repository_set_ident(m_repo, "unknown", "unknown");
    }
    m_ident_set = true;
  }
  git_reference* ref = nullptr;
  if (git_reference_create(&ref, m_repo, name.c_str(), &*oid, 1, message.c_str()) != 0)
    return git_failure(fmt::format("cannot set reference {} to {}", refname, commit));
  git_reference_free(ref);
  return {};
}

Result<int> Repository::delete_refs(std::string_view prefix) {
  git_reference_iterator* iterator = nullptr;
  if (git_reference_iterator_new(&iterator, m_repo) != 0)
    return git_failure("cannot list references");
  ReferenceIteratorHandle owned(iterator);
  // Collect first: deleting while iterating a packed-refs snapshot is not supported.
  std::vector<std::string> doomed;
  const char* name = nullptr;
  int code = 0;
  while ((code = git_reference_next_name(&name, iterator)) == 0) {
    if (std::string_view(name).starts_with(prefix))
      doomed.emplace_back(name);
  }
  if (code != GIT_ITEROVER)
    return git_failure("cannot list references");
  for (const auto& ref : doomed) {
    if (git_reference_remove(m_repo, ref.c_str()) != 0)
      return git_failure(fmt::format("cannot delete reference {}", ref));
  }
  return static_cast<int>(doomed.size());
}

bool Repository::has_object(std::string_view id) const {
  git_oid oid;
  std::string text(id);
  if (text.size() != GIT_OID_HEXSZ || git_oid_fromstr(&oid, text.c_str()) != 0)
    return false;
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, m_repo) != 0)
    return false;
  OdbHandle owned(odb);
  return git_odb_exists(odb, &oid) == 1;
}

Result<ObjectId> Repository::tree_of(std::string_view commit) const {
  auto resolved = lookup_commit(m_repo, commit);
  if (!resolved)
    return std::unexpected(resolved.error());
  return to_hex(*git_commit_tree_id(resolved->get()));
}

Result<int64_t> Repository::commit_time(std::string_view commit) const {
  auto resolved = lookup_commit(m_repo, commit);
  if (!resolved)
    return std::unexpected(resolved.error());
  return static_cast<int64_t>(git_commit_time(resolved->get()));
}

Result<std::optional<std::string>> Repository::read_file_at(std::string_view commit,
                                                            std::string_view path) const {
  auto resolved = lookup_commit(m_repo, commit);
  if (!resolved)
    return std::unexpected(resolved.error());
  git_tree* tree = nullptr;
  if (git_commit_tree(&tree, resolved->get()) != 0)
    return git_failure(fmt::format("cannot read the tree of {}", commit));
  TreeHandle owned_tree(tree);
  std::string relative(path);
  git_tree_entry* entry = nullptr;
  int code = git_tree_entry_bypath(&entry, tree, relative.c_str());
  if (code == GIT_ENOTFOUND)
    return std::nullopt;
  if (code != 0)
    return git_failure(fmt::format("cannot look up {} in {}", path, commit));
  TreeEntryHandle owned_entry(entry);
  if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
    return fail(fmt::format("{} in {} is not a file", path, commit));
  git_blob* blob = nullptr;
  if (git_blob_lookup(&blob, m_repo, git_tree_entry_id(entry)) != 0)
    return git_failure(fmt::format("cannot read {} in {}", path, commit));
  BlobHandle owned_blob(blob);
  const char* bytes = static_cast<const char*>(git_blob_rawcontent(blob));
  return std::string(bytes, static_cast<size_t>(git_blob_rawsize(blob)));
}

Result<ObjectId> Repository::commit_tree(std::string_view tree, std::string_view parent,
                                         std::string_view message, int64_t time) {
  auto resolved_tree = lookup_tree(m_repo, tree);
  if (!resolved_tree)
    return std::unexpected(resolved_tree.error());
  auto resolved_parent = lookup_commit(m_repo, parent);
  if (!resolved_parent)
    return std::unexpected(resolved_parent.error());
  git_signature* signature = nullptr;
  if (git_signature_new(&signature, "anneal", "anneal@localhost", static_cast<git_time_t>(time),
                        0) != 0)
    return git_failure("cannot make the anneal signature");
  SignatureHandle owned(signature);
  std::string text(message);
  const git_commit* parents[] = {resolved_parent->get()};
  git_oid oid;
  // No reference is updated: the caller names the commit with set_ref when it wants to.
  if (git_commit_create(&oid, m_repo, nullptr, signature, signature, nullptr, text.c_str(),
                        resolved_tree->get(), 1, parents) != 0)
    return git_failure(fmt::format("cannot commit tree {} on {}", tree, parent));
  return to_hex(oid);
}

Result<std::string> Repository::diff_patch(std::string_view from, std::string_view to) const {
  auto old_commit = lookup_commit(m_repo, from);
  if (!old_commit)
    return std::unexpected(old_commit.error());
  auto new_commit = lookup_commit(m_repo, to);
  if (!new_commit)
    return std::unexpected(new_commit.error());
  git_tree* old_tree = nullptr;
  git_tree* new_tree = nullptr;
  if (git_commit_tree(&old_tree, old_commit->get()) != 0)
    return git_failure(fmt::format("cannot read the tree of {}", from));
  TreeHandle owned_old(old_tree);
  if (git_commit_tree(&new_tree, new_commit->get()) != 0)
    return git_failure(fmt::format("cannot read the tree of {}", to));
  TreeHandle owned_new(new_tree);
  git_diff_options options = GIT_DIFF_OPTIONS_INIT;
  options.flags = GIT_DIFF_SHOW_BINARY;
  git_diff* diff = nullptr;
  if (git_diff_tree_to_tree(&diff, m_repo, old_tree, new_tree, &options) != 0)
    return git_failure(fmt::format("cannot diff {} to {}", from, to));
  DiffHandle owned_diff(diff);
  GitBuffer patch;
  if (git_diff_to_buf(&patch.buf, diff, GIT_DIFF_FORMAT_PATCH) != 0)
    return git_failure(fmt::format("cannot format the patch from {} to {}", from, to));
  return patch.str();
}

Result<ObjectId> Repository::apply_patch(std::string_view base, std::string_view patch) {
  auto base_commit = lookup_commit(m_repo, base);
  if (!base_commit)
    return std::unexpected(base_commit.error());
  // An empty patch (a candidate that changed nothing) leaves the tree as it is.
  if (patch.empty())
    return to_hex(*git_commit_tree_id(base_commit->get()));
  git_tree* tree = nullptr;
  if (git_commit_tree(&tree, base_commit->get()) != 0)
    return git_failure(fmt::format("cannot read the tree of {}", base));
  TreeHandle owned_tree(tree);
  git_diff* diff = nullptr;
  if (git_diff_from_buffer(&diff, patch.data(), patch.size()) != 0)
    return git_failure("cannot parse the patch");
  DiffHandle owned_diff(diff);
  git_index* index = nullptr;
  if (git_apply_to_tree(&index, m_repo, tree, diff, nullptr) != 0)
    return git_failure(fmt::format("the patch does not apply to {}", base));
  IndexHandle owned_index(index);
  git_oid oid;
  if (git_index_write_tree_to(&oid, index, m_repo) != 0)
    return git_failure(fmt::format("cannot write the patched tree of {}", base));
  return to_hex(oid);
}

}  // namespace anneal::git
